//! A credential world for the integration tests: a root anchor, an
//! intermediate CA certified for passports, a passport issuer certified for
//! passports, fresh status lists, a policy accepting any issuer the anchor's
//! certificates name for passports.
#![allow(dead_code, unreachable_pub)]

use vestnik::credential::*;
use vestnik::crypto::sig::SigningKey;
use vestnik::document::{
    Certificate, CertificateRequest, DocumentLimits, KeyUsage, Role, StatusList, StatusType, TrustAnchor,
};

pub const NOW: u64 = 1_780_000_000;

pub struct CredWorld {
    pub issuer: CredentialIssuer,
    pub lists: Vec<StatusList>,
    pub policy: CredentialPolicy,
    pub ca_cert: Certificate,
}

pub const PASSPORT: &str = "ru.gov.passport";

/// A certificate of `key` by `by`, naming `types`.
pub fn cert(by: &SigningKey, key: &SigningKey, id: &str, usage: KeyUsage, types: &[&str]) -> Certificate {
    Certificate::issue(
        by,
        &CertificateRequest::new(key.verifying_key(), id, id, Role::Issuer, usage, 0, 2_000_000_000)
            .serial(1)
            .credential_types(types),
    )
    .unwrap()
}

impl CredWorld {
    pub fn new() -> Self {
        let mut rng = rand::rng();
        let root = SigningKey::generate(&mut rng);
        let anchor = TrustAnchor::new(
            root.verifying_key(),
            "root",
            KeyUsage::CERTIFICATE_ISSUING | KeyUsage::CREDENTIAL_ISSUING,
            1,
        );
        let ca = SigningKey::generate(&mut rng);
        let ca_cert = cert(&root, &ca, "ca", KeyUsage::CERTIFICATE_ISSUING, &[PASSPORT]);
        let key = SigningKey::generate(&mut rng);
        let leaf = cert(&ca, &key, "mvd", KeyUsage::CREDENTIAL_ISSUING, &[PASSPORT]);
        let list = StatusList::issue(
            &key,
            StatusType::Credentials,
            NOW - 3600,
            NOW + 86_400,
            4096,
            &[],
            &DocumentLimits::default(),
        )
        .unwrap();
        let issuer = CredentialIssuer::new(key, vec![leaf, ca_cert.clone()]).unwrap();
        let policy = CredentialPolicy::new(vec![IssuerRule::new(anchor, &["ru.gov.passport"])]);
        Self { issuer, lists: vec![list], policy, ca_cert }
    }

    pub fn template() -> CredentialTemplate {
        CredentialTemplate {
            doc_type: "ru.gov.passport".into(),
            claims: vec![
                Claim::text("family_name", "Петрова"),
                Claim::text("family_name_latin", "Petrova"),
                Claim::date("birth_date", 2008, 3, 14).unwrap(),
                Claim::text("number", "4510 123456"),
                Claim::new("photo", ClaimValue::Sha256([0xab; 32])),
                Claim::boolean("age_over_14", true),
                Claim::boolean("age_over_18", false),
            ],
            not_before: 0,
            not_after: 2_000_000_000,
        }
    }

    pub fn held(&self, serial: u64) -> HeldCredential {
        let mut rng = rand::rng();
        let holder = SigningKey::generate(&mut rng);
        let issued = self.issuer.issue(&Self::template(), &holder.verifying_key(), serial, &mut rng).unwrap();
        HeldCredential::new(IssuedCredential::from_bytes(&issued.to_bytes()).unwrap(), holder).unwrap()
    }

    pub fn request(audience: &str, claims: &[&str]) -> PresentationRequest {
        PresentationRequest::new(
            &RequestSpec {
                audience, doc_type: "ru.gov.passport", claims, expires: NOW + 600, purpose: "Проверка"
            },
            &mut rand::rng(),
        )
        .unwrap()
    }
}
