export * from "./auth";
export * from "./dashboard";
export * from "./data";
export * from "./exports";
export * from "./glucose";
export * from "./imports";
export * from "./insights";
export * from "./records";
