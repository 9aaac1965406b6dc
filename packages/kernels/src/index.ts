// @steinkit/kernels: public surface.
export {};
