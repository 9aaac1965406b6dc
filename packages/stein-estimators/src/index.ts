// @steinkit/stein-estimators: public surface.
export {};
