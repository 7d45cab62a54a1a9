export * from "./auth";
export * from "./dashboard";
export * from "./data";
export * from "./glucose";
export * from "./insights";
export * from "./records";
