"""Auth routes: accounts, tokens, sessions, passwords and API keys (docs/auth.md)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Body, Depends, Request, Response
from pydantic import BaseModel

from glucolens.auth import api_keys, mailer, service
from glucolens.auth.cookies import clear_auth_cookies, refresh_credential, set_auth_cookies
from glucolens.auth.deps import (
    SCOPE_ACCOUNT,
    AccountAuth,
    AuthSubject,
    DbSession,
    ReadAuth,
    authenticate,
)
from glucolens.auth.schemas import (
    ApiKeyCreated,
    ApiKeyIn,
    ApiKeyOut,
    ForgotPasswordIn,
    LoginIn,
    LogoutIn,
    PasswordChangeIn,
    ProfileIn,
    RefreshIn,
    RegisterIn,
    ResetPasswordIn,
    SessionOut,
    TokenPair,
    UserOut,
)
from glucolens.core.errors import Forbidden, Unauthorized, responses
from glucolens.core.proxies import client_ip
from glucolens.core.transaction import TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, prefix="/api/v1/auth", tags=["auth"])
api_keys_router = APIRouter(
    route_class=TransactionalRoute, prefix="/api/v1/auth/api-keys", tags=["api-keys"]
)

DEVICE_MAX = 200
# Routes that take no Authorization or X-API-Key header, so the request guard
# (core/http_guard) reads their bodies without one; refresh and logout take a refresh
# token (body or cookie) instead.
OPEN_PATHS = frozenset(
    f"{router.prefix}/{name}"
    for name in ("register", "login", "refresh", "logout", "forgot-password", "reset-password")
)


class Accepted(BaseModel):
    message: str


def client_info(request: Request, device: str | None = None) -> service.ClientInfo:
    """Where a request comes from: the client address (behind trusted proxies only, see
    core/proxies) and a device label (or User-Agent)."""
    label = device or request.headers.get("user-agent")
    return service.ClientInfo(
        ip=client_ip(request),
        device=label[:DEVICE_MAX] if label else None,
    )


def optional_account(request: Request, db: DbSession) -> AuthSubject | None:
    """The signed-in user when a credential is sent (it must then be valid), else None."""
    if not (request.headers.get("authorization") or request.headers.get("x-api-key")):
        return None
    subject = authenticate(request, db)
    if SCOPE_ACCOUNT not in subject.scopes:
        raise Forbidden(f"This credential lacks the '{SCOPE_ACCOUNT}' scope.")
    return subject


def token_response(
    response: Response, issued: service.IssuedTokens, *, cookie_only: bool = False
) -> TokenPair:
    """Tokens in the body, and the refresh and CSRF cookies. With ``cookie_only`` (the web
    app refreshing by cookie) the refresh token stays out of the body, where page scripts
    could read it; it lives only in the httpOnly cookie."""
    set_auth_cookies(response, issued.refresh_token)
    return TokenPair(
        access_token=issued.access_token,
        expires_in=issued.expires_in,
        refresh_token=None if cookie_only else issued.refresh_token,
        user=UserOut.model_validate(issued.user),
    )


def signed_out() -> Response:
    response = Response(status_code=204)
    clear_auth_cookies(response)
    return response


@router.post(
    "/register",
    status_code=201,
    response_model=UserOut,
    responses=responses(409, 422, 429),
    summary="Create an account",
)
def register(body: RegisterIn, request: Request, db: DbSession) -> Any:
    """Create an account; sign in afterwards with /login."""
    return service.register(db, body, client_info(request))


@router.post(
    "/login",
    response_model=TokenPair,
    responses=responses(401, 422, 429),
    summary="Sign in with email and password",
)
def login(body: LoginIn, request: Request, response: Response, db: DbSession) -> Any:
    """Start a session: tokens in the body, and the refresh and CSRF cookies for the web."""
    issued = service.login(db, body.email, body.password, client_info(request, body.device))
    return token_response(response, issued)


@router.post(
    "/refresh",
    response_model=TokenPair,
    responses=responses(401, 403, 422, 429),
    summary="Exchange a refresh token for new tokens",
)
def refresh(
    request: Request,
    response: Response,
    db: DbSession,
    body: Annotated[RefreshIn | None, Body()] = None,
) -> Any:
    """Rotate the refresh token (body, or cookie plus X-CSRF-Token); reuse ends the session.
    A token sent in the body comes back in the body; a cookie's comes back only as a cookie."""
    body = body or RefreshIn()
    raw = refresh_credential(request, body.refresh_token)
    if not raw:
        raise Unauthorized("No refresh token given.")
    issued = service.refresh(db, raw, client_info(request, body.device))
    return token_response(response, issued, cookie_only=not body.refresh_token)


@router.post(
    "/logout",
    status_code=204,
    response_class=Response,
    responses=responses(401, 403, 422, 429),
    summary="Sign out of this session",
)
def logout(
    request: Request,
    db: DbSession,
    subject: Annotated[AuthSubject | None, Depends(optional_account)],
    body: Annotated[LogoutIn | None, Body()] = None,
) -> Response:
    """End the session of the access token and/or refresh token given; clear the cookies."""
    raw = refresh_credential(request, (body or LogoutIn()).refresh_token)
    service.logout(
        db,
        subject.user_id if subject else None,
        subject.session_id if subject else None,
        raw,
    )
    return signed_out()


@router.post(
    "/logout-all",
    status_code=204,
    response_class=Response,
    responses=responses(401, 403, 429),
    summary="Sign out everywhere",
)
def logout_all(auth: AccountAuth, db: DbSession) -> Response:
    """End every session of the caller, this one included."""
    service.logout_all(db, auth.user_id)
    return signed_out()


@router.get(
    "/me",
    response_model=UserOut,
    responses=responses(401, 403, 429),
    summary="The signed-in user",
)
async def me(auth: ReadAuth) -> Any:
    """The caller's account and preferences."""
    return UserOut.model_validate(auth.snapshot)


@router.put(
    "/profile",
    response_model=UserOut,
    responses=responses(401, 403, 422, 429),
    summary="Update name, time zone, unit and target range",
)
def update_profile(body: ProfileIn, auth: AccountAuth, db: DbSession) -> Any:
    """Change only the fields given; targets are in mg/dL with 50 <= low < high <= 300."""
    return UserOut.model_validate(service.update_profile(db, auth.user, body))


@router.post(
    "/password",
    status_code=204,
    response_class=Response,
    responses=responses(401, 403, 422, 429),
    summary="Change the password",
)
def change_password(body: PasswordChangeIn, auth: AccountAuth, db: DbSession) -> Response:
    """Needs the current password; every other session is signed out."""
    service.change_password(
        db, auth.user, auth.session_id, body.current_password, body.new_password
    )
    return Response(status_code=204)


@router.post(
    "/forgot-password",
    status_code=202,
    response_model=Accepted,
    responses=responses(422, 429),
    summary="Mail a password reset link",
)
def forgot_password(
    body: ForgotPasswordIn, request: Request, background: BackgroundTasks, db: DbSession
) -> Any:
    """Always 202, whether or not the address has an account; mail goes out after the reply."""
    delivery = service.forgot_password(db, body.email, client_info(request))
    if delivery is not None:
        background.add_task(mailer.send_password_reset, *delivery)
    return Accepted(message="If this address has an account, a reset link is on its way.")


@router.post(
    "/reset-password",
    status_code=204,
    response_class=Response,
    responses=responses(422, 429),
    summary="Set a new password with a reset token",
)
def reset_password(body: ResetPasswordIn, request: Request, db: DbSession) -> Response:
    """The token works once, for 30 minutes; every session is signed out."""
    service.reset_password(db, body.token, body.new_password, client_info(request))
    return Response(status_code=204)


@router.get(
    "/sessions",
    response_model=list[SessionOut],
    responses=responses(401, 403, 429),
    summary="List signed-in sessions",
)
def list_sessions(auth: AccountAuth, db: DbSession) -> Any:
    """Active sessions with device, IP and last use; `current` marks this one."""
    return service.list_sessions(db, auth.user_id, auth.session_id)


@router.delete(
    "/sessions/{id}",
    status_code=204,
    response_class=Response,
    responses=responses(401, 403, 404, 422, 429),
    summary="Sign out one session",
)
def revoke_session(id: uuid.UUID, auth: AccountAuth, db: DbSession) -> Response:  # noqa: A002
    """End one of the caller's sessions (its refresh tokens and access tokens stop working)."""
    service.revoke_session(db, auth.user_id, id)
    return Response(status_code=204)


@api_keys_router.get(
    "",
    response_model=list[ApiKeyOut],
    responses=responses(401, 403, 429),
    summary="List API keys",
)
def list_api_keys(auth: AccountAuth, db: DbSession) -> Any:
    """Active keys with their prefix and scopes; never the key itself."""
    return [ApiKeyOut.model_validate(k) for k in api_keys.list_keys(db, auth.user_id)]


@api_keys_router.post(
    "",
    status_code=201,
    response_model=ApiKeyCreated,
    responses=responses(401, 403, 409, 422, 429),
    summary="Create an API key",
)
def create_api_key(body: ApiKeyIn, auth: AccountAuth, db: DbSession) -> Any:
    """The full key is in this answer only; store it now."""
    key, raw = api_keys.create_key(db, auth.user_id, body.name, body.scopes)
    return ApiKeyCreated(**ApiKeyOut.model_validate(key).model_dump(), key=raw)


@api_keys_router.delete(
    "/{id}",
    status_code=204,
    response_class=Response,
    responses=responses(401, 403, 404, 422, 429),
    summary="Revoke an API key",
)
def revoke_api_key(id: uuid.UUID, auth: AccountAuth, db: DbSession) -> Response:  # noqa: A002
    """The key stops working at once."""
    api_keys.revoke_key(db, auth.user_id, id)
    return Response(status_code=204)
