//! A small PKI for the document tests: a ministry root (the anchor), a
//! citizens' CA under it, a citizen, a school and a timestamping authority.

#![allow(
    dead_code,
    unreachable_pub,
    clippy::too_many_arguments,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use vestnik::crypto::sig::SigningKey;
use vestnik::document::*;

pub const DAY: u64 = 86_400;
/// "Now" in the tests: 2025-06-15.
pub const T0: u64 = 1_750_000_000;

pub struct Party {
    pub key: SigningKey,
    pub cert: Certificate,
}

pub struct World {
    pub root: SigningKey,
    pub anchor: TrustAnchor,
    pub ca: Party,
    pub citizen: Party,
    pub school: Party,
    pub tsa: Party,
}

pub fn request(
    key: &SigningKey,
    id: &str,
    name: &str,
    role: Role,
    usage: KeyUsage,
    from: u64,
    to: u64,
    serial: u64,
) -> CertificateRequest {
    CertificateRequest {
        subject_key: key.verifying_key(),
        subject_id: id.into(),
        display_name: name.into(),
        role,
        usage,
        not_before: from,
        not_after: to,
        path_len: 0,
        serial,
        credential_types: Vec::new(),
    }
}

impl World {
    pub fn new() -> Self {
        let mut rng = rand::rng();
        Self::from_keys([(); 5].map(|_| SigningKey::generate(&mut rng)))
    }

    /// Deterministic keys, for frozen vectors.
    pub fn from_keys([root, ca, citizen, school, tsa]: [SigningKey; 5]) -> Self {
        let anchor = TrustAnchor::new(root.verifying_key(), "Ministry of Digital Affairs", KeyUsage::ALL, 1);
        let mut ca_req = request(
            &ca,
            "CA-CITIZENS",
            "Удостоверяющий центр граждан",
            Role::Issuer,
            KeyUsage::CERTIFICATE_ISSUING,
            T0 - 1000 * DAY,
            T0 + 3650 * DAY,
            1,
        );
        ca_req.path_len = 0;
        let ca_cert = Certificate::issue(&root, &ca_req).unwrap();
        let citizen_cert = Certificate::issue(
            &ca,
            &request(
                &citizen,
                "RU-1234-567890",
                "Анна Петрова",
                Role::Citizen,
                KeyUsage::DOCUMENT_SIGNING,
                T0 - 100 * DAY,
                T0 + 365 * DAY,
                7,
            ),
        )
        .unwrap();
        let school_cert = Certificate::issue(
            &ca,
            &request(
                &school,
                "SCHOOL-57",
                "Школа № 57",
                Role::Organisation,
                KeyUsage::DOCUMENT_SIGNING,
                T0 - 100 * DAY,
                T0 + 3 * 365 * DAY,
                8,
            ),
        )
        .unwrap();
        let tsa_cert = Certificate::issue(
            &root,
            &request(
                &tsa,
                "TSA-1",
                "National Timestamping Service",
                Role::TimestampAuthority,
                KeyUsage::TIMESTAMPING,
                T0 - 1000 * DAY,
                T0 + 3650 * DAY,
                2,
            ),
        )
        .unwrap();
        Self {
            root,
            anchor,
            ca: Party { key: ca, cert: ca_cert },
            citizen: Party { key: citizen, cert: citizen_cert },
            school: Party { key: school, cert: school_cert },
            tsa: Party { key: tsa, cert: tsa_cert },
        }
    }

    /// The anchor, with the fresh-status requirement explicitly turned off
    /// (most tests check other things; the revocation tests ask for it).
    pub fn policy(&self) -> VerificationPolicy {
        VerificationPolicy::new(vec![self.anchor.clone()]).with_fresh_status(false)
    }

    /// An envelope over `doc` signed by the citizen, with the CA certificate carried.
    pub fn signed(&self, doc: &[u8]) -> Envelope {
        let mut e = Envelope::new("application/pdf", doc, false, &DocumentLimits::default()).unwrap();
        e.sign(&self.citizen.key, &self.citizen.cert, Commitment::Approved, T0).unwrap();
        e.add_certificate(&self.ca.cert).unwrap();
        e
    }

    /// Stamps signer `index` at `time`.
    pub fn stamp(&self, e: &mut Envelope, index: usize, time: u64) {
        let mut rng = rand::rng();
        let req = e.timestamp_request(index, &mut rng).unwrap();
        let token = TimestampToken::issue(&self.tsa.key, &req, time, 1000 + index as u64);
        token.matches_request(&req).unwrap();
        e.add_timestamp(index, token).unwrap();
        e.add_certificate(&self.tsa.cert).unwrap();
    }

    /// Status lists of the CA (covering citizen and school) and root (CA, TSA).
    pub fn status_lists(&self, revoked: &[u64], this_update: u64, next_update: u64) -> [StatusList; 2] {
        let l = DocumentLimits::default();
        [
            StatusList::issue(&self.ca.key, StatusType::Certificates, this_update, next_update, 64, revoked, &l)
                .unwrap(),
            StatusList::issue(&self.root, StatusType::Certificates, this_update, next_update, 64, &[], &l).unwrap(),
        ]
    }
}

pub fn roundtrip(e: &Envelope) -> Envelope {
    Envelope::from_bytes(&e.to_bytes(), &DocumentLimits::default()).unwrap()
}

pub fn first_failure(r: &VerificationReport, i: usize) -> Option<Failure> {
    r.signatures[i].first_failure().cloned()
}
