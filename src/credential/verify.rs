//! Verifying a presentation (SPEC.md §14.6): the cheap binding checks first,
//! then signatures, then the issuer chain, status and claims. The result is
//! typed: the disclosed claims and what they prove.

use super::claim::{Claim, ClaimValue, DIGEST_LEN};
use super::error::VerifyError;
use super::limits::{CredentialLimits, DEFAULT_PRESENTATION_SKEW};
use super::presentation::{Presentation, disclosed_set_digest};
use super::request::PresentationRequest;
use crate::document::limits::MAX_CHAIN_LEN;
use crate::document::{CertPath, Certificate, ChainCache, KeyUsage, StatusList, TrustAnchor};
use crate::document::{Standing, StatusSources, StatusType, Times, standing};
use subtle::ConstantTimeEq;

/// Which issuers may issue which document types, under which anchor.
///
/// A rule only narrows what the certificates allow: whatever the rule says,
/// a credential is accepted only if its issuer's certificate, and every CA
/// certificate above it, name the credential's document type (SPEC.md
/// §11.3, §14.6 step 9). The anchor itself names no types: the rule's
/// `doc_types` are the verifier's limit per anchor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuerRule {
    /// The trust anchor the issuer's path must end at.
    pub anchor: TrustAnchor,
    /// When set, the issuer certificate's subject id must equal this.
    pub issuer_id: Option<String>,
    /// Document types allowed (exact match).
    pub doc_types: Vec<String>,
}

impl IssuerRule {
    /// Any issuer certified under `anchor` for a type of `doc_types` may
    /// issue it: a school certified for `ru.edu.student_id` cannot pass a
    /// passport under `IssuerRule::new(anchor, &["ru.gov.passport"])`
    /// ([`VerifyError::DocTypeNotCertified`]).
    pub fn new(anchor: TrustAnchor, doc_types: &[&str]) -> Self {
        Self { anchor, issuer_id: None, doc_types: doc_types.iter().map(|d| (*d).to_owned()).collect() }
    }

    /// Only the issuer with this subject id may.
    pub fn for_issuer(mut self, issuer_id: impl Into<String>) -> Self {
        self.issuer_id = Some(issuer_id.into());
        self
    }

    fn allows(&self, path: &CertPath, issuer: &Certificate, doc_type: &str) -> bool {
        path.anchor() == &self.anchor
            && self.issuer_id.as_deref().is_none_or(|id| id == issuer.subject_id())
            && self.doc_types.iter().any(|d| d == doc_type)
    }
}

/// What a verifier requires.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CredentialPolicy {
    /// Issuer rules; their anchors are the trust anchors.
    pub rules: Vec<IssuerRule>,
    /// The credential must be covered by a fresh status list of its issuer
    /// (default: yes). Supplied lists are checked either way.
    pub require_fresh_status: bool,
    /// Every issuer certificate must be covered by a fresh status list of
    /// its own issuer (default: no; supplied lists are checked either way).
    pub require_fresh_chain_status: bool,
    /// Allowed distance between a presentation's time and the verifier's clock.
    pub max_clock_skew: u64,
    /// Longest issuer path, anchor excluded.
    pub max_chain_len: usize,
    /// Decode limits.
    pub limits: CredentialLimits,
}

impl CredentialPolicy {
    /// A policy with these rules, fresh status required, the default skew
    /// and limits.
    pub fn new(rules: Vec<IssuerRule>) -> Self {
        Self {
            rules,
            require_fresh_status: true,
            require_fresh_chain_status: false,
            max_clock_skew: DEFAULT_PRESENTATION_SKEW,
            max_chain_len: MAX_CHAIN_LEN,
            limits: CredentialLimits::default(),
        }
    }

    /// Requires (or not) a fresh status list for the credential.
    pub fn with_fresh_status(mut self, required: bool) -> Self {
        self.require_fresh_status = required;
        self
    }

    /// Requires (or not) fresh status lists for the issuer certificates.
    pub fn with_fresh_chain_status(mut self, required: bool) -> Self {
        self.require_fresh_chain_status = required;
        self
    }

    fn anchors(&self) -> Vec<TrustAnchor> {
        let mut a: Vec<TrustAnchor> = Vec::with_capacity(self.rules.len());
        for r in &self.rules {
            if !a.contains(&r.anchor) {
                a.push(r.anchor.clone());
            }
        }
        a
    }
}

/// A verified presentation: what was proven, and by whom it was vouched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedPresentation {
    doc_type: String,
    issuer_id: String,
    issuer_name: String,
    anchor_name: String,
    valid_until: u64,
    presented_at: u64,
    claims: Vec<Claim>,
}

impl VerifiedPresentation {
    /// The document type.
    pub fn doc_type(&self) -> &str {
        &self.doc_type
    }
    /// The issuer's subject id (from its certificate).
    pub fn issuer_id(&self) -> &str {
        &self.issuer_id
    }
    /// The issuer's display name.
    pub fn issuer_name(&self) -> &str {
        &self.issuer_name
    }
    /// The name of the trust anchor the issuer chains to.
    pub fn anchor_name(&self) -> &str {
        &self.anchor_name
    }
    /// End of the credential's validity.
    pub fn valid_until(&self) -> u64 {
        self.valid_until
    }
    /// When the holder made the presentation.
    pub fn presented_at(&self) -> u64 {
        self.presented_at
    }
    /// The disclosed claims, by name.
    pub fn claims(&self) -> &[Claim] {
        &self.claims
    }
    /// The value of a disclosed claim.
    pub fn claim(&self, name: &str) -> Option<&ClaimValue> {
        self.claims.iter().find(|c| c.name == name).map(|c| &c.value)
    }
    /// True when a disclosed predicate claim `name` is `true` (such as
    /// `age_over_18`).
    pub fn proves(&self, name: &str) -> bool {
        self.claim(name) == Some(&ClaimValue::Bool(true))
    }
}

fn eq32(a: &[u8; 32], b: &[u8; 32]) -> bool {
    bool::from(a.ct_eq(b))
}

/// Verifies a presentation answering `request`, at the verifier's clock
/// `now`, with the issuers' status lists `status_lists`. See SPEC.md §14.6.
pub fn verify_presentation(
    bytes: &[u8],
    request: &PresentationRequest,
    policy: &CredentialPolicy,
    status_lists: &[StatusList],
    now: u64,
) -> Result<VerifiedPresentation, VerifyError> {
    verify_inner(bytes, request, policy, status_lists, now, None)
}

/// As [`verify_presentation`], remembering issuer paths and status-list
/// signatures in `cache` (time, usage, status and every credential and
/// holder signature are still checked each time).
pub fn verify_presentation_with_cache(
    bytes: &[u8],
    request: &PresentationRequest,
    policy: &CredentialPolicy,
    status_lists: &[StatusList],
    now: u64,
    cache: &ChainCache,
) -> Result<VerifiedPresentation, VerifyError> {
    verify_inner(bytes, request, policy, status_lists, now, Some(cache))
}

fn verify_inner(
    bytes: &[u8],
    request: &PresentationRequest,
    policy: &CredentialPolicy,
    lists: &[StatusList],
    now: u64,
    cache: Option<&ChainCache>,
) -> Result<VerifiedPresentation, VerifyError> {
    // 1. Decode (caps first).
    let p = Presentation::parse(bytes, &policy.limits, cache)?;
    let cred = p.credential();
    // 2. It answers this request: hash, nonce, audience, session binding.
    if !eq32(p.request_hash(), request.hash()) {
        return Err(VerifyError::WrongRequest("request hash"));
    }
    if p.nonce() != request.nonce() {
        return Err(VerifyError::WrongRequest("nonce"));
    }
    if p.audience() != request.audience() {
        return Err(VerifyError::WrongRequest("audience"));
    }
    if p.session_binding() != request.session_binding() {
        return Err(VerifyError::WrongRequest("session binding"));
    }
    // 3. Time: near the verifier's clock, and the request has not expired.
    let skew = policy.max_clock_skew;
    let late = now > request.expires() || p.time() > request.expires();
    if late || p.time() > now.saturating_add(skew) || now > p.time().saturating_add(skew) {
        return Err(VerifyError::Stale { time: p.time(), now });
    }
    // 4. The signed digests match the credential and disclosures carried.
    if !eq32(p.credential_hash(), cred.hash()) {
        return Err(VerifyError::Mismatch("credential"));
    }
    let digests: Vec<[u8; DIGEST_LEN]> = p.disclosures().iter().map(|d| *d.digest()).collect();
    if !eq32(p.disclosed_digest(), &disclosed_set_digest(&digests)) {
        return Err(VerifyError::Mismatch("disclosures"));
    }
    // 5. Document type as requested.
    if cred.doc_type() != request.doc_type() {
        return Err(VerifyError::WrongDocType {
            found: cred.doc_type().to_owned(),
            expected: request.doc_type().to_owned(),
        });
    }
    // 6. Each disclosure committed, once, requested; every request answered.
    let mut claims: Vec<Claim> = Vec::with_capacity(p.disclosures().len());
    for d in p.disclosures() {
        if !cred.commits_to(d.digest()) {
            return Err(VerifyError::UnknownDisclosure);
        }
        if claims.iter().any(|c| c.name == d.name()) {
            return Err(VerifyError::DuplicateDisclosure(d.name().to_owned()));
        }
        if request.claims().binary_search_by(|c| c.as_str().cmp(d.name())).is_err() {
            return Err(VerifyError::NotRequested(d.name().to_owned()));
        }
        claims.push(d.claim().clone());
    }
    if let Some(missing) = request.claims().iter().find(|r| !claims.iter().any(|c| &&c.name == r)) {
        return Err(VerifyError::NotDisclosed(missing.clone()));
    }
    // 7. Holder signature under the credential's holder key.
    p.verify_holder_signature().map_err(|_| VerifyError::BadHolderSignature)?;
    // 8. Issuer chain to an anchor, valid and unrevoked now, allowed this type.
    let (issuer, pool) = cred.chain().split_first().ok_or(VerifyError::NoIssuerCertificate)?;
    let anchors = policy.anchors();
    let path = match cache {
        Some(c) => c.path(issuer, pool, &anchors, policy.max_chain_len)?,
        None => CertPath::build(issuer, pool, &anchors, policy.max_chain_len)?,
    };
    path.check(KeyUsage::CREDENTIAL_ISSUING, now, now, lists, policy.require_fresh_chain_status, cache)?;
    if let Some(c) = cache {
        c.remember_certificates(&path);
    }
    // 9. The issuer's certificate, and every CA above it, name this type.
    if let Some(depth) = path.uncertified_depth(cred.doc_type()) {
        return Err(VerifyError::DocTypeNotCertified {
            issuer: issuer.subject_id().to_owned(),
            doc_type: cred.doc_type().to_owned(),
            depth,
        });
    }
    // 10. Some issuer rule allows this issuer this type under this anchor.
    if !policy.rules.iter().any(|r| r.allows(&path, issuer, cred.doc_type())) {
        return Err(VerifyError::DocTypeNotAllowed {
            issuer: issuer.subject_id().to_owned(),
            doc_type: cred.doc_type().to_owned(),
        });
    }
    // 11. The issuer's signature over the credential.
    cred.verify_signature(issuer.subject_key()).map_err(|_| VerifyError::BadIssuerSignature)?;
    // 12, 13. The credential's own validity and status.
    if now < cred.not_before() || now >= cred.not_after() {
        return Err(VerifyError::CredentialExpired {
            not_before: cred.not_before(),
            not_after: cred.not_after(),
            at: now,
        });
    }
    let sources = StatusSources::verifier(lists);
    match standing(sources, StatusType::Credentials, issuer.subject_key(), cred.serial(), Times::at(now), now, cache) {
        Standing::Revoked(_) => return Err(VerifyError::Revoked(cred.serial())),
        Standing::Good { fresh: false, .. } | Standing::Unknown if policy.require_fresh_status => {
            return Err(VerifyError::StatusMissing(cred.serial()));
        }
        _ => {}
    }
    claims.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(VerifiedPresentation {
        doc_type: cred.doc_type().to_owned(),
        issuer_id: issuer.subject_id().to_owned(),
        issuer_name: issuer.display_name().to_owned(),
        anchor_name: path.anchor().name().to_owned(),
        valid_until: cred.not_after(),
        presented_at: p.time(),
        claims,
    })
}
