//! A test world: a root anchor, an intermediate CA (certified for passports
//! and student IDs), a passport issuer certified for passports and a school
//! issuer certified for student IDs, a holder, fresh status lists; and a
//! forger that builds presentations the public API refuses to make.

use super::*;
use crate::crypto::sig::{Signature, SigningKey};
use crate::document::{
    Certificate, CertificateRequest, DocumentLimits, KeyUsage, Role, StatusList, StatusType, TrustAnchor,
};
use crate::labels;
use crate::wire::{credential as pb, format};
use prost::Message;

pub(crate) const NOW: u64 = 1_780_000_000;

pub(crate) struct World {
    pub(crate) anchor: TrustAnchor,
    pub(crate) ca: SigningKey,
    pub(crate) ca_cert: Certificate,
    pub(crate) passports: CredentialIssuer,
    pub(crate) schools: CredentialIssuer,
    pub(crate) lists: Vec<StatusList>,
    pub(crate) policy: CredentialPolicy,
}

pub(crate) const PASSPORT: &str = "ru.gov.passport";
pub(crate) const STUDENT_ID: &str = "ru.edu.student_id";

pub(crate) fn cert(
    by: &SigningKey,
    key: &SigningKey,
    id: &str,
    usage: KeyUsage,
    serial: u64,
    types: &[&str],
) -> Certificate {
    Certificate::issue(
        by,
        &CertificateRequest::new(key.verifying_key(), id, id, Role::Issuer, usage, 0, 2_000_000_000)
            .serial(serial)
            .credential_types(types),
    )
    .unwrap()
}

impl World {
    pub(crate) fn new() -> Self {
        let mut rng = rand::rng();
        let root = SigningKey::generate(&mut rng);
        let anchor = TrustAnchor::new(
            root.verifying_key(),
            "root",
            KeyUsage::CERTIFICATE_ISSUING | KeyUsage::CREDENTIAL_ISSUING,
            1,
        );
        let ca = SigningKey::generate(&mut rng);
        // path_len 1: tests may put a sub-CA below it (under an anchor allowing it).
        let ca_cert = Certificate::issue(
            &root,
            &CertificateRequest::new(
                ca.verifying_key(),
                "ca",
                "ca",
                Role::Issuer,
                KeyUsage::CERTIFICATE_ISSUING,
                0,
                2_000_000_000,
            )
            .serial(1)
            .path_len(1)
            .credential_types(&[PASSPORT, STUDENT_ID]),
        )
        .unwrap();
        let pk = SigningKey::generate(&mut rng);
        let sk = SigningKey::generate(&mut rng);
        let passports = CredentialIssuer::new(
            SigningKey::from_seed(&pk.to_seed()),
            vec![cert(&ca, &pk, "mvd", KeyUsage::CREDENTIAL_ISSUING, 1, &[PASSPORT]), ca_cert.clone()],
        )
        .unwrap();
        let schools = CredentialIssuer::new(
            SigningKey::from_seed(&sk.to_seed()),
            vec![cert(&ca, &sk, "school57", KeyUsage::CREDENTIAL_ISSUING, 2, &[STUDENT_ID]), ca_cert.clone()],
        )
        .unwrap();
        let lists = vec![Self::list(&pk, &[]), Self::list(&sk, &[])];
        let policy = CredentialPolicy::new(vec![
            IssuerRule::new(anchor.clone(), &[PASSPORT]).for_issuer("mvd"),
            IssuerRule::new(anchor.clone(), &[STUDENT_ID]).for_issuer("school57"),
        ]);
        Self { anchor, ca, ca_cert, passports, schools, lists, policy }
    }

    pub(crate) fn list(key: &SigningKey, revoked: &[u64]) -> StatusList {
        StatusList::issue(
            key,
            StatusType::Credentials,
            NOW - 3600,
            NOW + 86_400,
            4096,
            revoked,
            &DocumentLimits::default(),
        )
        .unwrap()
    }

    /// A list of `key` that stopped speaking one second before `NOW`.
    pub(crate) fn stale_list(key: &SigningKey) -> StatusList {
        StatusList::issue(key, StatusType::Credentials, NOW - 100_000, NOW - 1, 4096, &[], &DocumentLimits::default())
            .unwrap()
    }

    pub(crate) fn passport_template() -> CredentialTemplate {
        CredentialTemplate {
            doc_type: "ru.gov.passport".into(),
            claims: vec![
                Claim::text("family_name", "Петрова"),
                Claim::text("given_name", "Анна"),
                Claim::date("birth_date", 2008, 3, 14).unwrap(),
                Claim::text("number", "4510 123456"),
                Claim::boolean("age_over_14", true),
                Claim::boolean("age_over_18", false),
            ],
            not_before: 0,
            not_after: 2_000_000_000,
        }
    }

    pub(crate) fn passport(&self, serial: u64) -> HeldCredential {
        let mut rng = rand::rng();
        let holder = SigningKey::generate(&mut rng);
        let issued =
            self.passports.issue(&Self::passport_template(), &holder.verifying_key(), serial, &mut rng).unwrap();
        HeldCredential::new(issued, holder).unwrap()
    }

    pub(crate) fn request(claims: &[&str]) -> PresentationRequest {
        PresentationRequest::new(
            &RequestSpec {
                audience: "bot.school57",
                doc_type: "ru.gov.passport",
                claims,
                expires: NOW + 600,
                purpose: "test",
            },
            &mut rand::rng(),
        )
        .unwrap()
    }

    pub(crate) fn verify(
        &self,
        bytes: &[u8],
        request: &PresentationRequest,
    ) -> Result<VerifiedPresentation, VerifyError> {
        verify_presentation(bytes, request, &self.policy, &self.lists, NOW)
    }
}

/// What a malicious holder controls when forging a presentation.
pub(crate) struct Forgery {
    pub(crate) credential: Vec<u8>,
    pub(crate) disclosures: Vec<Vec<u8>>,
    pub(crate) tbs: pb::PresentationTbs,
    pub(crate) context: labels::SigContext,
}

impl Forgery {
    /// The honest presentation's parts, ready to be altered.
    pub(crate) fn from(p: &Presentation) -> Self {
        let w = pb::Presentation::decode(p.to_bytes()).unwrap();
        Self {
            credential: w.credential,
            disclosures: w.disclosures,
            tbs: pb::PresentationTbs::decode(w.tbs.as_slice()).unwrap(),
            context: labels::SIG_PRESENTATION,
        }
    }

    /// Recomputes the credential hash and disclosed-set digest over what is
    /// carried (as a careful forger would), sorts the disclosures, and signs.
    pub(crate) fn consistent(mut self) -> Self {
        let mut ds: Vec<Disclosure> = self.disclosures.iter().map(|d| Disclosure::from_bytes(d).unwrap()).collect();
        ds.sort_by(|a, b| a.digest().cmp(b.digest()));
        self.disclosures = ds.iter().map(|d| d.to_bytes().to_vec()).collect();
        let digests: Vec<[u8; 32]> = ds.iter().map(|d| *d.digest()).collect();
        self.tbs.disclosed_digest = super::presentation::disclosed_set_digest(&digests).to_vec();
        self.tbs.credential_hash =
            super::claim::labelled_sha256(labels::HASH_CREDENTIAL_BYTES, &[&self.credential]).to_vec();
        self
    }

    pub(crate) fn sign(&self, key: &SigningKey) -> Vec<u8> {
        let tbs = self.tbs.encode_to_vec();
        let sig: Signature = key.sign(self.context, &tbs);
        pb::Presentation {
            format: format::PRESENTATION,
            credential: self.credential.clone(),
            disclosures: self.disclosures.clone(),
            tbs,
            signature: sig.to_bytes().to_vec(),
        }
        .encode_to_vec()
    }
}

/// A disclosure of `name` = `value` with a chosen salt.
pub(crate) fn disclosure(salt: &[u8], name: &str, value: pb::claim_value::Kind) -> Vec<u8> {
    pb::Disclosure {
        format: format::DISCLOSURE,
        salt: salt.to_vec(),
        name: name.into(),
        value: Some(pb::ClaimValue { kind: Some(value) }),
    }
    .encode_to_vec()
}
