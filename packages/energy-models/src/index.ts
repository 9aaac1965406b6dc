// @steinkit/energy-models: public surface.
export {};
