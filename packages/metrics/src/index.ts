// @steinkit/metrics: public surface.
export {};
