"""Every operation declares the error responses it can give, so schema-based fuzzers
(schemathesis) can check them: 401/403/429 on every protected route, 404 on routes that
address one object, 422 where there is input to validate."""

from __future__ import annotations

PUBLIC = {
    "/api/v1/auth/register",
    "/api/v1/auth/login",
    "/api/v1/auth/refresh",
    "/api/v1/auth/forgot-password",
    "/api/v1/auth/reset-password",
    "/healthz",
    "/livez",
    "/readyz",
}


def test_protected_operations_declare_their_errors(app):
    schema = app.openapi()
    missing: list[str] = []
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            declared = set(op.get("responses", {}))
            need = set()
            if path not in PUBLIC:
                need |= {"401", "429"}
                if path != "/api/v1/auth/logout":
                    need.add("403")
            if "{" in path:
                need |= {"404", "422"}
            if op.get("requestBody") or any(p["in"] == "query" for p in op.get("parameters", [])):
                need.add("422")
            lacking = need - declared
            if lacking:
                missing.append(f"{method.upper()} {path}: {sorted(lacking)}")
    assert not missing, "\n".join(missing)
