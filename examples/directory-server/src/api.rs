//! The HTTP endpoints (README.md, "Endpoints"). Bodies are the crate's own
//! wire bytes (`application/octet-stream`); JSON only for errors and small
//! listings. Every refusal changes nothing: checks run before the store is
//! touched, and each store call is one transaction.

use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use vestnik::IdentityPublic;

use crate::AppState;
use crate::error::ApiError;
use crate::framing;
use crate::keys;
use crate::ratelimit::Allowance;
use crate::store::{DeviceId, Store, StoreError};

type St = State<Arc<AppState>>;

pub(crate) fn routes(state: Arc<AppState>) -> Router {
    let max = state.config.limits.max_body_len;
    Router::new()
        .route("/v1/health", get(|| async { "ok" }))
        .route("/v1/devices", post(register))
        .route("/v1/devices/{id}/uploads", post(upload))
        .route("/v1/devices/{id}/bundle", get(bundle))
        .route("/v1/devices/{id}/key-package", get(key_package))
        .route("/v1/devices/{id}/device-list", get(device_list))
        .route("/v1/devices/{id}/handed-out", post(handed_out))
        .route("/v1/devices/{id}/messages", post(deposit).get(fetch).delete(ack))
        .route("/v1/documents/verify", post(verify_documents))
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "no_such_endpoint", "no such endpoint") })
        .layer(DefaultBodyLimit::max(max))
        .with_state(state)
}

/// The request body, with axum's rejections turned into typed errors.
pub(crate) struct Body(pub(crate) axum::body::Bytes);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::body::Bytes::from_request(req, state).await {
            Ok(b) => Ok(Self(b)),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", e.body_text()))
            }
            Err(e) => Err(ApiError::bad("bad_body", e.body_text())),
        }
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

fn octets(status: StatusCode, body: Vec<u8>) -> Response {
    (status, [(header::CONTENT_TYPE, "application/octet-stream")], body).into_response()
}

/// Runs a store call off the async workers.
async fn blocking<T: Send + 'static>(
    state: &Arc<AppState>,
    f: impl FnOnce(&dyn Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    let store = Arc::clone(&state.store);
    tokio::task::spawn_blocking(move || f(store.as_ref()))
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?
        .map_err(ApiError::from)
}

pub(crate) fn parse_device(hex_id: &str) -> Result<DeviceId, ApiError> {
    let mut id = [0u8; 32];
    hex::decode_to_slice(hex_id, &mut id)
        .map_err(|_| ApiError::bad("bad_device_id", "a device id is 64 hex digits (its identity signing key)"))?;
    Ok(id)
}

/// A request's authenticated device: `Authorization: Bearer <device hex>.<token hex>`.
struct Caller {
    id: DeviceId,
    identity: IdentityPublic,
}

async fn authenticate(state: &Arc<AppState>, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let unauthorized = |m: &str| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", m.to_owned());
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| unauthorized("an Authorization: Bearer <device>.<token> header is required"))?;
    let (device, token) = value.split_once('.').ok_or_else(|| unauthorized("malformed credentials"))?;
    let id = parse_device(device).map_err(|_| unauthorized("malformed credentials"))?;
    let mut raw = [0u8; 32];
    hex::decode_to_slice(token, &mut raw).map_err(|_| unauthorized("malformed credentials"))?;
    let record = blocking(state, move |s| s.device(&id)).await?.ok_or_else(|| unauthorized("unknown credentials"))?;
    let hash: [u8; 32] = Sha256::digest(raw).into();
    if !bool::from(hash.ct_eq(&record.token_hash)) {
        return Err(unauthorized("unknown credentials"));
    }
    let identity = IdentityPublic::from_fixed_bytes(&record.identity)
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?;
    Ok(Caller { id, identity })
}

async fn owner(state: &Arc<AppState>, headers: &HeaderMap, path_id: &str) -> Result<Caller, ApiError> {
    let target = parse_device(path_id)?;
    let caller = authenticate(state, headers).await?;
    if caller.id != target {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "not_owner", "only the device itself may do this"));
    }
    Ok(caller)
}

/// `POST /v1/devices`: body = the 128-byte `IdentityPublic::to_fixed_bytes`.
async fn register(State(state): St, Body(body): Body) -> Result<Response, ApiError> {
    let fixed: [u8; 128] = body
        .as_ref()
        .try_into()
        .map_err(|_| ApiError::bad("bad_identity", "the body is the 128-byte IdentityPublic::to_fixed_bytes"))?;
    let identity =
        IdentityPublic::from_fixed_bytes(&fixed).map_err(|e| ApiError::bad("bad_identity", e.to_string()))?;
    let id: DeviceId = *identity.signing_key().as_bytes();
    let mut token = [0u8; 32];
    fill(&mut rand::rng(), &mut token);
    let hash: [u8; 32] = Sha256::digest(token).into();
    let at = now();
    blocking(&state, move |s| s.register(&id, &fixed, &hash, at)).await?;
    let json = serde_json::json!({ "device": hex::encode(id), "token": hex::encode(token) });
    Ok((StatusCode::CREATED, axum::Json(json)).into_response())
}

fn fill<R: rand_core::CryptoRng + ?Sized>(rng: &mut R, out: &mut [u8]) {
    rng.fill_bytes(out);
}

/// `POST /v1/devices/{id}/uploads`: any upload format `vestnik::upload::validate` knows.
async fn upload(
    State(state): St,
    Path(id): Path<String>,
    headers: HeaderMap,
    Body(body): Body,
) -> Result<Response, ApiError> {
    let caller = owner(&state, &headers, &id).await?;
    let at = now();
    let accepted = keys::validate(&body, &caller.identity, at, &state.config.limits.upload)?;
    let summary = accepted.summary();
    let device = caller.id;
    let raw = body.to_vec();
    blocking(&state, move |s| accepted.store(s, &device, &raw, at)).await?;
    Ok(axum::Json(summary).into_response())
}

/// `GET /v1/devices/{id}/bundle`: one hand-out (rate-limited per requester).
async fn bundle(State(state): St, Path(id): Path<String>, headers: HeaderMap) -> Result<Response, ApiError> {
    let target = parse_device(&id)?;
    let caller = authenticate(&state, &headers).await?;
    let allowance = {
        let mut rate = state.rate.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        rate.check(&state.config.limits.handouts, &caller.id, &target, Instant::now())
    };
    let Allowance::Serve { one_time } = allowance else {
        return Err(ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "too many bundle requests"));
    };
    let at = now();
    let parts = blocking(&state, move |s| s.take_bundle(&target, one_time, at)).await?.ok_or_else(|| {
        ApiError::new(StatusCode::NOT_FOUND, "no_signed_prekey", "the device has no signed prekey yet")
    })?;
    Ok(octets(StatusCode::OK, keys::assemble(&parts)?))
}

/// `GET /v1/devices/{id}/key-package`: takes one MLS KeyPackage envelope.
async fn key_package(State(state): St, Path(id): Path<String>, headers: HeaderMap) -> Result<Response, ApiError> {
    let target = parse_device(&id)?;
    authenticate(&state, &headers).await?;
    let kp = blocking(&state, move |s| s.take_key_package(&target))
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "no_key_package", "no KeyPackage left"))?;
    Ok(octets(StatusCode::OK, kp))
}

/// `GET /v1/devices/{id}/device-list`: the latest device list it uploaded.
async fn device_list(State(state): St, Path(id): Path<String>, headers: HeaderMap) -> Result<Response, ApiError> {
    let target = parse_device(&id)?;
    authenticate(&state, &headers).await?;
    let list = blocking(&state, move |s| s.device_list(&target))
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "no_device_list", "no device list uploaded"))?;
    Ok(octets(StatusCode::OK, list))
}

/// `POST /v1/devices/{id}/handed-out`: returns and forgets the ids handed out.
async fn handed_out(State(state): St, Path(id): Path<String>, headers: HeaderMap) -> Result<Response, ApiError> {
    let caller = owner(&state, &headers, &id).await?;
    let report = blocking(&state, move |s| s.take_handed_out(&caller.id)).await?;
    Ok(axum::Json(report).into_response())
}

/// `POST /v1/devices/{id}/messages`: deposits one opaque ciphertext.
async fn deposit(
    State(state): St,
    Path(id): Path<String>,
    headers: HeaderMap,
    Body(body): Body,
) -> Result<Response, ApiError> {
    let recipient = parse_device(&id)?;
    let caller = authenticate(&state, &headers).await?;
    if body.is_empty() {
        return Err(ApiError::bad("empty_message", "a deposit carries a ciphertext"));
    }
    let max = state.config.limits.max_deposit_len;
    if body.len() > max {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "message_too_large",
            format!("a deposit is at most {max} bytes"),
        ));
    }
    let at = now();
    let seq = blocking(&state, move |s| s.deposit(&recipient, &caller.id, &body, at)).await?;
    Ok((StatusCode::CREATED, axum::Json(serde_json::json!({ "seq": seq }))).into_response())
}

#[derive(serde::Deserialize)]
struct FetchQuery {
    after: Option<u64>,
    limit: Option<usize>,
}

/// `GET /v1/devices/{id}/messages?after=N&limit=M`: the device's mailbox.
async fn fetch(
    State(state): St,
    Path(id): Path<String>,
    headers: HeaderMap,
    q: Result<Query<FetchQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::bad("bad_query", e.body_text()))?;
    let caller = owner(&state, &headers, &id).await?;
    let max = state.config.limits.max_fetch;
    let limit = q.limit.unwrap_or(max);
    if limit == 0 || limit > max {
        return Err(ApiError::bad("bad_limit", format!("limit is 1..={max}")));
    }
    let after = q.after.unwrap_or(0);
    let messages = blocking(&state, move |s| s.fetch(&caller.id, after, limit)).await?;
    let m: Vec<framing::Message> =
        messages.into_iter().map(|m| framing::Message { seq: m.seq, sender: m.sender, body: m.body }).collect();
    Ok(octets(StatusCode::OK, framing::encode_messages(&m)))
}

#[derive(serde::Deserialize)]
struct AckQuery {
    up_to: u64,
}

/// `DELETE /v1/devices/{id}/messages?up_to=N`: acknowledges (deletes) messages.
async fn ack(
    State(state): St,
    Path(id): Path<String>,
    headers: HeaderMap,
    q: Result<Query<AckQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q.map_err(|e| ApiError::bad("bad_query", e.body_text()))?;
    let caller = owner(&state, &headers, &id).await?;
    let deleted = blocking(&state, move |s| s.ack(&caller.id, q.up_to)).await?;
    Ok(axum::Json(serde_json::json!({ "deleted": deleted })).into_response())
}

/// `POST /v1/documents/verify`: a batch of signed envelopes (see `framing`).
async fn verify_documents(State(state): St, headers: HeaderMap, Body(body): Body) -> Result<Response, ApiError> {
    authenticate(&state, &headers).await?;
    let Some(policy) = state.config.document_policy.clone() else {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "documents_disabled", "no verification policy configured"));
    };
    let limits = state.config.limits.clone();
    let chains = Arc::clone(&state.chains);
    let reports = tokio::task::spawn_blocking(move || keys::verify_documents(&body, &policy, &limits, &chains, now()))
        .await
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))??;
    Ok(axum::Json(reports).into_response())
}
