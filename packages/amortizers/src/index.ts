// @steinkit/amortizers: public surface.
export {};
