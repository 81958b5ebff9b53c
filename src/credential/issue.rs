//! Issuance (SPEC.md §14.3, §14.7): the issuer salts every claim, pads the
//! digests with decoys, signs, and hands the holder the credential with every
//! disclosure.

use super::claim::{Claim, DIGEST_LEN, Disclosure};
use super::credential::{Credential, IssuedParts, check_doc_type, strictly_ascending};
use super::error::CredentialError;
use super::limits::{CredentialLimits, MAX_ISSUED_LEN};
use crate::crypto::sig::{SigningKey, VerifyingKey};
use crate::document::{Certificate, key_id};
use crate::labels;
use crate::wire::{self, Cap, DecodeError, credential as pb, format};
use core::fmt;
use prost::Message;
use std::collections::HashSet;
use zeroize::Zeroizing;

/// What an issuer states in a credential, apart from the holder key and serial.
#[derive(Clone, PartialEq, Eq)]
pub struct CredentialTemplate {
    /// The document type (`ru.gov.passport`...): 1..=64 bytes of `[a-z0-9_.-]`.
    pub doc_type: String,
    /// The claims, each name once.
    pub claims: Vec<Claim>,
    /// First second of validity (inclusive).
    pub not_before: u64,
    /// End of validity (exclusive).
    pub not_after: u64,
}

impl fmt::Debug for CredentialTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Claim values are personal data: names only.
        let names: Vec<&str> = self.claims.iter().map(|c| c.name.as_str()).collect();
        f.debug_struct("CredentialTemplate")
            .field("doc_type", &self.doc_type)
            .field("claims", &names)
            .field("validity", &(self.not_before, self.not_after))
            .finish()
    }
}

/// An issuer of credentials: its signing key and its certificate chain (its
/// own certificate first, with the credential-issuing usage).
pub struct CredentialIssuer {
    key: SigningKey,
    key_id: [u8; crate::document::KEY_ID_LEN],
    chain: std::sync::Arc<[Certificate]>,
    /// The chain as encoded in field 4 of every credential.
    chain_field: Vec<u8>,
    limits: CredentialLimits,
}

impl fmt::Debug for CredentialIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialIssuer").field("key", &self.key).field("chain", &self.chain.len()).finish()
    }
}

impl CredentialIssuer {
    /// An issuer; `chain[0]` must certify `key`, and names the document
    /// types the issuer may issue ([`Certificate::credential_types`]):
    /// [`Self::issue`] refuses any other type.
    pub fn new(key: SigningKey, chain: Vec<Certificate>) -> Result<Self, CredentialError> {
        let limits = CredentialLimits::default();
        match chain.first() {
            Some(c) if c.subject_key() == &key.verifying_key() => {}
            _ => return Err(CredentialError::Inconsistent("chain[0] does not certify the issuer key")),
        }
        if chain.len() > limits.max_chain_certs {
            return Err(CredentialError::TooMany { field: "chain", count: chain.len(), max: limits.max_chain_certs });
        }
        let mut chain_field = Vec::new();
        for c in &chain {
            prost::encoding::encode_key(4, prost::encoding::WireType::LengthDelimited, &mut chain_field);
            prost::encoding::encode_varint(c.to_bytes().len() as u64, &mut chain_field);
            chain_field.extend_from_slice(c.to_bytes());
        }
        Ok(Self { key_id: key_id(&key.verifying_key()), key, chain: chain.into(), chain_field, limits })
    }

    /// Replaces the limits (digest bucket, claim and batch caps).
    pub fn with_limits(mut self, limits: CredentialLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The issuer's public key (its status lists are signed with it too).
    pub fn verifying_key(&self) -> crate::crypto::sig::VerifyingKey {
        self.key.verifying_key()
    }

    /// The signing key, to issue this issuer's status lists with
    /// [`crate::document::StatusList::issue`].
    pub fn signing_key(&self) -> &SigningKey {
        &self.key
    }

    /// Issues one credential for `holder_key` with status-list index `serial`.
    ///
    /// ```
    /// # use vestnik::credential::*;
    /// # use vestnik::crypto::sig::SigningKey;
    /// # use vestnik::document::{Certificate, CertificateRequest, KeyUsage, Role};
    /// let mut rng = rand::rng();
    /// let root = SigningKey::generate(&mut rng);
    /// let key = SigningKey::generate(&mut rng);
    /// let cert = Certificate::issue(&root, &CertificateRequest {
    ///     subject_key: key.verifying_key(), subject_id: "school-57".into(),
    ///     display_name: "Школа № 57".into(), role: Role::Issuer,
    ///     usage: KeyUsage::CREDENTIAL_ISSUING, not_before: 0, not_after: 2_000_000_000,
    ///     path_len: 0, serial: 1, credential_types: vec!["ru.edu.student_id".into()] })?;
    /// let issuer = CredentialIssuer::new(key, vec![cert])?;
    /// let holder = SigningKey::generate(&mut rng);
    /// let template = CredentialTemplate {
    ///     doc_type: "ru.edu.student_id".into(),
    ///     claims: vec![Claim::text("school", "57"), Claim::boolean("age_over_14", true)],
    ///     not_before: 0, not_after: 2_000_000_000 };
    /// let issued = issuer.issue(&template, &holder.verifying_key(), 7, &mut rng)?;
    /// let held = HeldCredential::new(IssuedCredential::from_bytes(&issued.to_bytes())?, holder)?;
    /// assert_eq!(held.credential().digests().len(), 8); // 2 claims + 6 decoys
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn issue<R: rand_core::CryptoRng + ?Sized>(
        &self,
        template: &CredentialTemplate,
        holder_key: &VerifyingKey,
        serial: u64,
        rng: &mut R,
    ) -> Result<IssuedCredential, CredentialError> {
        self.check_template(template)?;
        if !self.chain.first().is_some_and(|c| c.names_credential_type(&template.doc_type)) {
            return Err(CredentialError::DocTypeNotCertified(template.doc_type.clone()));
        }
        self.mint(template, holder_key, serial, rng)
    }

    /// What a dishonest issuer does: [`Self::issue`] without the check that
    /// its certificate names the document type (the verifier's step 9 must
    /// refuse the result).
    #[cfg(test)]
    pub(crate) fn issue_uncertified<R: rand_core::CryptoRng + ?Sized>(
        &self,
        template: &CredentialTemplate,
        holder_key: &VerifyingKey,
        serial: u64,
        rng: &mut R,
    ) -> Result<IssuedCredential, CredentialError> {
        self.check_template(template)?;
        self.mint(template, holder_key, serial, rng)
    }

    /// Salts, pads, signs: `template` has been checked.
    fn mint<R: rand_core::CryptoRng + ?Sized>(
        &self,
        template: &CredentialTemplate,
        holder_key: &VerifyingKey,
        serial: u64,
        rng: &mut R,
    ) -> Result<IssuedCredential, CredentialError> {
        let disclosures = template.claims.iter().map(|c| Disclosure::seal(c, rng)).collect::<Result<Vec<_>, _>>()?;
        let mut digests: Vec<[u8; DIGEST_LEN]> = disclosures.iter().map(|d| *d.digest()).collect();
        let bucket = self.limits.digest_bucket.max(1);
        let padded = digests.len().div_ceil(bucket).saturating_mul(bucket).min(self.limits.max_digests);
        while digests.len() < padded {
            let mut decoy = [0u8; DIGEST_LEN];
            rng.fill_bytes(&mut decoy);
            digests.push(decoy);
        }
        digests.sort_unstable();
        digests.dedup();
        let issuer_key_id = self.key_id;
        let tbs_head = pb::CredentialTbs {
            format: format::CREDENTIAL_TBS,
            serial,
            issuer_key_id: issuer_key_id.to_vec(),
            doc_type: template.doc_type.clone(),
            holder_key: holder_key.as_bytes().to_vec(),
            not_before: template.not_before,
            not_after: template.not_after,
            digests: Vec::new(),
        };
        // Field 8, the last: appended as prost would encode it.
        let mut tbs = Vec::with_capacity(tbs_head.encoded_len() + digests.len() * (DIGEST_LEN + 2));
        let _ = tbs_head.encode(&mut tbs); // into a Vec: cannot fail
        for d in &digests {
            prost::encoding::encode_key(8, prost::encoding::WireType::LengthDelimited, &mut tbs);
            prost::encoding::encode_varint(DIGEST_LEN as u64, &mut tbs);
            tbs.extend_from_slice(d);
        }
        let signature = self.key.sign(labels::SIG_CREDENTIAL, &tbs);
        let mut bytes = Vec::with_capacity(tbs.len() + 80 + self.chain_field.len());
        prost::encoding::uint32::encode(1, &format::CREDENTIAL, &mut bytes);
        prost::encoding::bytes::encode(2, &tbs, &mut bytes);
        prost::encoding::bytes::encode(3, &signature.to_bytes().to_vec(), &mut bytes);
        bytes.extend_from_slice(&self.chain_field);
        if bytes.len() > self.limits.max_credential_len {
            return Err(CredentialError::TooLong("credential"));
        }
        let credential = Credential::from_issued_parts(
            bytes,
            IssuedParts {
                tbs,
                signature,
                serial,
                issuer_key_id,
                doc_type: template.doc_type.clone(),
                holder_key: *holder_key,
                not_before: template.not_before,
                not_after: template.not_after,
                digests,
                chain: self.chain.clone(),
            },
        );
        // Every disclosure is committed (its digest was just put in) and
        // names are distinct (check_template): only the order remains.
        let mut disclosures = disclosures;
        disclosures.sort_by(|a, b| a.name().cmp(b.name()));
        Ok(IssuedCredential { credential, disclosures })
    }

    /// Batch issuance (SPEC.md §14.7): one credential per `(holder key,
    /// serial)`, each with fresh salts and decoys, so presentations of
    /// different credentials of the batch share no digest, key or signature.
    /// Serials should be drawn at random from the status list, not in sequence.
    pub fn issue_batch<R: rand_core::CryptoRng + ?Sized>(
        &self,
        template: &CredentialTemplate,
        holders: &[(VerifyingKey, u64)],
        rng: &mut R,
    ) -> Result<Vec<IssuedCredential>, CredentialError> {
        if holders.len() > self.limits.max_batch {
            return Err(CredentialError::TooMany { field: "batch", count: holders.len(), max: self.limits.max_batch });
        }
        let keys: HashSet<&VerifyingKey> = holders.iter().map(|(k, _)| k).collect();
        let serials: HashSet<u64> = holders.iter().map(|(_, s)| *s).collect();
        if keys.len() != holders.len() || serials.len() != holders.len() {
            return Err(CredentialError::Inconsistent("a batch reuses a holder key or a serial"));
        }
        holders.iter().map(|(k, s)| self.issue(template, k, *s, rng)).collect()
    }

    fn check_template(&self, t: &CredentialTemplate) -> Result<(), CredentialError> {
        check_doc_type(&t.doc_type)?;
        if t.not_after <= t.not_before {
            return Err(CredentialError::EmptyValidity);
        }
        let max = self.limits.max_claims.min(self.limits.max_digests);
        if t.claims.len() > max {
            return Err(CredentialError::TooMany { field: "claims", count: t.claims.len(), max });
        }
        let mut names: Vec<&str> = t.claims.iter().map(|c| c.name.as_str()).collect();
        names.sort_unstable();
        if let Some(w) = names.windows(2).find(|w| matches!(w, [a, b] if a == b)) {
            return Err(CredentialError::DuplicateClaim(w.first().copied().unwrap_or_default().to_owned()));
        }
        Ok(())
    }
}

/// A credential with every claim's disclosure: what the issuer sends the
/// holder over a confidential channel (format 0x5601).
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedCredential {
    credential: Credential,
    disclosures: Vec<Disclosure>,
}

impl fmt::Debug for IssuedCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedCredential")
            .field("credential", &self.credential)
            .field("disclosures", &self.disclosures)
            .finish()
    }
}

impl IssuedCredential {
    /// Checks that every disclosure is committed, once, with distinct names.
    fn assemble(credential: Credential, mut disclosures: Vec<Disclosure>) -> Result<Self, CredentialError> {
        let mut names = HashSet::new();
        for d in &disclosures {
            if !credential.commits_to(d.digest()) {
                return Err(CredentialError::Inconsistent("a disclosure is not committed in the credential"));
            }
            if !names.insert(d.name().to_owned()) {
                return Err(CredentialError::DuplicateClaim(d.name().to_owned()));
            }
        }
        disclosures.sort_by(|a, b| a.name().cmp(b.name()));
        Ok(Self { credential, disclosures })
    }

    /// Encodes for the holder. The bytes hold every salt: send them only
    /// over a confidential channel; they are wiped on drop.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        wire::encode_secret(
            pb::IssuedCredential {
                format: format::ISSUED_CREDENTIAL,
                credential: self.credential.to_bytes().to_vec(),
                disclosures: self.disclosures.iter().map(|d| d.to_bytes().to_vec()).collect(),
            },
            |m| m.disclosures.iter_mut().for_each(zeroize::Zeroize::zeroize),
        )
    }

    /// Decodes what an issuer sent, checking it is consistent.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CredentialError> {
        let limits = CredentialLimits::default();
        wire::decode_secret(
            bytes,
            MAX_ISSUED_LEN,
            format::ISSUED_CREDENTIAL,
            &[Cap::new(3, "issued.disclosures", limits.max_claims)],
            |m: &mut pb::IssuedCredential| m.disclosures.iter_mut().for_each(zeroize::Zeroize::zeroize),
            |m| Ok(Self::from_wire(m)),
        )?
    }

    fn from_wire(m: &pb::IssuedCredential) -> Result<Self, CredentialError> {
        let credential = Credential::from_bytes(&m.credential)?;
        let disclosures = m.disclosures.iter().map(|d| Disclosure::from_bytes(d)).collect::<Result<Vec<_>, _>>()?;
        // One encoding per issued credential: disclosures by ascending name.
        let names: Vec<&str> = disclosures.iter().map(Disclosure::name).collect();
        if !strictly_ascending(&names) {
            return Err(DecodeError::Invalid("issued.disclosures order").into());
        }
        Self::assemble(credential, disclosures)
    }

    /// The credential.
    pub fn credential(&self) -> &Credential {
        &self.credential
    }
    /// Every claim's disclosure, by name.
    pub fn disclosures(&self) -> &[Disclosure] {
        &self.disclosures
    }
}
