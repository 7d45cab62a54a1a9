/**
 * Names for the server's types. Every one is an alias of the generated schema
 * (src/lib/api-schema.d.ts, from the backend's OpenAPI document via `npm run gen:api`), never a
 * copy, so a server change shows up here as a compile error.
 */
import type { ClientPathsWithMethod, MethodResponse } from "openapi-fetch";
import type { api } from "./api";
import type { components, paths } from "./api-schema";

export type Schemas = components["schemas"];

/** The body of a successful call: `Ok<"get", "/api/v1/glucose">`. */
export type Ok<M extends "get" | "post" | "put" | "delete", P extends ClientPathsWithMethod<typeof api, M>> = MethodResponse<
  typeof api,
  M,
  P
>;

export type User = Schemas["UserOut"];
export type TokenPair = Schemas["TokenPair"];
export type ErrorDetail = Schemas["ErrorDetail"];
export type Session = Schemas["SessionOut"];
export type ApiKey = Schemas["ApiKeyOut"];
export type NewApiKey = Schemas["ApiKeyCreated"];
export type ApiKeyScope = Schemas["ApiKeyIn"]["scopes"][number];

export type NightscoutCredential = Schemas["CredentialOut"];
export type NightscoutCredentials = Schemas["CredentialList"];
export type NightscoutCredentialCreated = Schemas["CredentialCreated"];
export type NightscoutCredentialIn = Schemas["CredentialIn"];
export type NightscoutRole = NonNullable<NightscoutCredentialIn["role"]>;

export type HealthKitStatus = Schemas["HealthKitStatusOut"];
export type HealthKitTypeStatus = Schemas["HealthKitTypeStatus"];
export type HealthKitType = NonNullable<Schemas["HealthKitConfigureIn"]["enabled_types"]>[number];

export type GlucoseReading = Schemas["GlucoseOut"];
export type InsulinDose = Schemas["InsulinOut"];
export type SleepEntry = Schemas["SleepOut"];
export type Meal = Schemas["MealOut"];
export type ActivityEntry = Schemas["ActivityOut"];
export type BulkReport = Schemas["BulkReport"];

export type DataRange = Schemas["DataRange"];
export type DashboardSummary = Schemas["Summary"];
export type SummaryWindow = Schemas["Window"];
export type Bands = Schemas["Bands"];
export type AgpResponse = Schemas["Agp"];
export type AgpBin = Schemas["AgpBin"];
export type VariabilityResponse = Schemas["Variability"];
export type VariabilityMetric = Schemas["VariabilityMetric"];
export type SeriesResponse = Schemas["Series"];

export type DataSources = Schemas["SourcesOut"];
export type SourceCounts = Schemas["KindCounts"];
export type SourceKind = keyof SourceCounts;
export type SourceDeleted = Schemas["SourceDeleted"];
export type DemoCounts = Schemas["DemoCounts"];

export type DeletionCounts = Schemas["KindCounts"];
export type DataDeleted = Schemas["DataDeleted"];

export type ImportJob = Schemas["ImportJobOut"];
export type ImportStatus = ImportJob["status"];
export type ImportPreview = Schemas["ImportPreview"];
export type ImportProgress = Schemas["ImportProgress"];
export type TypeCounts = Schemas["TypeCounts"];
export type ImportStart = Schemas["ImportStart"];

export type ReportJob = Schemas["ReportJobOut"];
export type ReportRequest = Schemas["ReportRequest"];
export type ExportFormat = Schemas["ExportFormat"];

export type Job = Schemas["JobOut"];
export type InsightEnvelope = Schemas["InsightEnvelope"];

export type AlertOut = Schemas["AlertOut"];
export type AlertPage = Schemas["AlertPage"];
export type AlertDecision = Schemas["DecisionOut"];
export type AlertConfig = Schemas["ConfigOut"];
export type AlertKindConfig = Schemas["KindConfigOut"];
export type AlertSettings = Schemas["SettingsOut"];
export type AlertConfigIn = Schemas["ConfigIn"];
export type AlertKindConfigIn = Schemas["KindConfigIn"];
export type AlertSettingsIn = Schemas["SettingsIn"];
export type SnoozeIn = Schemas["SnoozeIn"];
export type Snooze = Schemas["SnoozeOut"];
export type AlertHistoryQuery = NonNullable<paths["/api/v1/alerts/history"]["get"]["parameters"]["query"]>;
export type PushSubscriptionIn = Schemas["PushSubscriptionIn"];
export type PushSubscriptionOut = Schemas["PushSubscriptionOut"];
export type TestNotification = Schemas["TestNotificationOut"];
export type AlertDelivery = Schemas["DeliveryOut"];
