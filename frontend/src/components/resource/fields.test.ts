import { describe, expect, it } from "vitest";
import { ApiError } from "@/lib/api";
import { bodyFromValues, fieldErrorsFromApi, valuesFromItem, type FieldDef } from "./fields";

const fields: FieldDef[] = [
  { name: "start", label: "Start", kind: "datetime", required: true },
  { name: "kcal", label: "Energy", kind: "number", min: 0 },
  { name: "description", label: "Description", kind: "text" },
];

describe("resource form fields", () => {
  it("adds the zone offset to date-times and parses numbers", () => {
    const { body, errors } = bodyFromValues(fields, { start: "2026-07-01T07:30", kcal: "250", description: "" }, "Europe/Paris", "create");
    expect(errors).toEqual({});
    expect(body).toEqual({ start: "2026-07-01T07:30:00+02:00", kcal: 250 });
  });

  it("sends null for cleared optional fields on update", () => {
    const { body } = bodyFromValues(fields, { start: "2026-07-01T07:30", kcal: "", description: "" }, "UTC", "update");
    expect(body.kcal).toBeNull();
    expect(body.description).toBeNull();
  });

  it("reports missing and out-of-range values", () => {
    const { errors } = bodyFromValues(fields, { start: "", kcal: "-5", description: "" }, "UTC", "create");
    expect(errors.start).toMatch(/required/);
    expect(errors.kcal).toMatch(/at least 0/);
  });

  it("fills the form from an item in the user's zone", () => {
    const v = valuesFromItem(fields, { start: "2026-07-01T05:30:00Z", kcal: 120, description: null }, "Europe/Paris");
    expect(v).toEqual({ start: "2026-07-01T07:30", kcal: "120", description: "" });
  });

  it("maps API validation details to fields", () => {
    const err = new ApiError(422, "validation_failed", "bad", [{ field: "body.kcal", reason: "too big" }]);
    expect(fieldErrorsFromApi(err, fields)).toEqual({ kcal: "Too big." });
  });
});
