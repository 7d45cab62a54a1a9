export * from "./dashboard";
export * from "./glucose";
export * from "./data";
