//! An auditor's verifier: reads an envelope, the document (or `-` when it is
//! inline) and one or more trust-anchor files, and prints the report.
//!
//! ```text
//! cargo run --example verify_envelope -- <envelope> <document|-> <anchor>... [--at <unix-seconds>]
//!     [--status <status-list-file>]... [--no-fresh-status] [--min-signers N] [--require-timestamp]
//! ```
//! Fresh revocation status is required unless `--no-fresh-status` is given;
//! `--status` passes the verifier's own status lists (fetched from the
//! issuers), which decide over the lists the envelope carries.
//! With no arguments it prints this usage and verifies the committed frozen
//! v2 vectors under `tests/vectors/document/v2/` (archive-timestamped, twelve
//! years after signing) as a demonstration.

use vestnik::document::*;

const USAGE: &str = "usage: verify_envelope <envelope> <document|-> <anchor-file>... [--at <unix-seconds>] [--status <status-list-file>]... [--no-fresh-status] [--min-signers N] [--require-timestamp]";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        println!("{USAGE}\n\nNo arguments: verifying the frozen demo vectors.\n");
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/document/v2");
        args = vec![
            format!("{dir}/envelope.bin"),
            format!("{dir}/document.pdf"),
            format!("{dir}/anchor.bin"),
            "--status".into(),
            format!("{dir}/root_status.bin"),
            "--at".into(),
            "2128435600".into(),
        ];
    }
    let mut at = None;
    let mut min_signers = 1;
    let mut require_timestamp = false;
    let mut fresh_status = true;
    let mut status_files = Vec::new();
    let mut files = Vec::new();
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--at" => at = Some(it.next().ok_or(USAGE)?.parse::<u64>()?),
            "--min-signers" => min_signers = it.next().ok_or(USAGE)?.parse::<usize>()?,
            "--require-timestamp" => require_timestamp = true,
            "--no-fresh-status" => fresh_status = false,
            "--status" => status_files.push(it.next().ok_or(USAGE)?),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            _ => files.push(a),
        }
    }
    let [envelope_file, document_file, anchor_files @ ..] = files.as_slice() else {
        eprintln!("{USAGE}");
        std::process::exit(2);
    };
    if anchor_files.is_empty() {
        eprintln!("{USAGE}");
        std::process::exit(2);
    }
    let limits = DocumentLimits::default();
    let envelope_bytes = std::fs::read(envelope_file)?;
    if envelope_bytes.len() > limits.max_envelope_len {
        return Err(format!("envelope larger than {} bytes", limits.max_envelope_len).into());
    }
    let envelope = Envelope::from_bytes(&envelope_bytes, &limits)?;
    let document = if document_file == "-" { None } else { Some(std::fs::read(document_file)?) };
    let mut anchors = Vec::new();
    for f in anchor_files {
        anchors.push(TrustAnchor::from_bytes(&std::fs::read(f)?)?);
    }
    let now = match at {
        Some(t) => t,
        None => std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs(),
    };
    let mut status_lists = Vec::new();
    for f in &status_files {
        status_lists.push(StatusList::from_bytes(&std::fs::read(f)?, &limits)?);
    }
    let policy = VerificationPolicy::new(anchors)
        .with_min_signers(min_signers)
        .with_required_timestamp(require_timestamp)
        .with_fresh_status(fresh_status)
        .with_status_lists(status_lists);
    let report = verify(&envelope, document.as_deref(), &policy, now);
    println!("{report}");
    if !report.is_accepted() {
        std::process::exit(1);
    }
    Ok(())
}
