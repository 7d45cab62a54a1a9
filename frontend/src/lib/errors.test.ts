import { describe, expect, it } from "vitest";
import { ApiError } from "./api";
import { humanError, humanReason } from "./errors";

describe("humanError", () => {
  it("turns a pydantic value error into a sentence", () => {
    const err = new ApiError(422, "validation_failed", "Invalid request: end: Value error, end must be after start", [
      { field: "end", reason: "Value error, end must be after start" },
    ]);
    expect(humanError(err)).toBe("The end must be after the start.");
  });

  it("names the field in words", () => {
    const err = new ApiError(422, "validation_failed", "Invalid request: units: Input should be less than or equal to 100", [
      { field: "units", reason: "Input should be less than or equal to 100" },
    ]);
    expect(humanError(err)).toBe("Units: must be at most 100.");
  });

  it("explains a duplicate without source and external_id", () => {
    const err = new ApiError(
      409,
      "conflict",
      "A glucose entry with the same source and external_id (or the same source and time) already exists.",
    );
    expect(humanError(err)).not.toMatch(/external_id|source and/);
    expect(humanError(err, { conflict: "There is already a reading at this time." })).toBe("There is already a reading at this time.");
  });

  it("does not tell people to split the batch", () => {
    const err = new ApiError(422, "validation_failed", "At most 100000 readings per request; got 100001. Split the batch.", [
      { field: "items", reason: "more than 100000 items" },
    ]);
    expect(humanError(err)).toBe("Too many readings in one upload. Split the file into smaller files and upload them one at a time.");
    expect(humanError(new ApiError(413, "payload_too_large", "CSV larger than 50 MB; split it."))).toBe(
      "This file is too large (the limit is 50 MB). Split it into smaller files and upload them one at a time.",
    );
  });

  it("keeps a server sentence that is already plain", () => {
    expect(
      humanError(
        new ApiError(422, "validation_failed", "The current password is incorrect.", [{ field: "current_password", reason: "incorrect" }]),
      ),
    ).toBe("The current password is incorrect.");
  });

  it("never shows a raw reason prefix", () => {
    expect(humanReason("Value error, time is before 2000-01-01T00:00Z, before consumer CGMs existed; check the year")).toBe(
      "The time is before the year 2000; check the year.",
    );
    expect(humanReason("Field required")).toBe("This is required.");
  });

  it("keeps a wrong-password answer, and says a session ended for other 401s", () => {
    expect(humanError(new ApiError(401, "unauthorized", "Invalid email or password."))).toBe("Invalid email or password.");
    expect(humanError(new ApiError(401, "unauthorized", "Invalid or expired refresh token; sign in again."))).toBe(
      "Your session has ended. Please sign in again.",
    );
  });
});
