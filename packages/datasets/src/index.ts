// @steinkit/datasets: public surface.
export {};
