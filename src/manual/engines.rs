//! # Choosing an engine: sender keys or MLS
//!
//! vestnik has two group engines. **Sender keys** ([`crate::group`], SPEC.md
//! §12): each member has a signed hash chain whose key it sends to every
//! other member over the 1:1 sessions; a message is one AEAD and one
//! signature, whatever the group's size. **MLS** ([`crate::mls`], RFC 9420 on
//! mls-rs, SPEC.md §15): a ratchet tree; a membership change is one commit
//! every member processes, and every member agrees on the membership and the
//! epoch.
//!
//! ## Where to use which
//!
//! | | sender keys | MLS |
//! |---|---|---|
//! | a class, a club, a channel (up to a few hundred devices, removals rare) | **yes**: cheapest per message, no server state | works, but each message costs more |
//! | a school, a college, a district's teachers (1,000 to 10,000 devices, changes every day) | a removal costs every remaining device about 95 ms and 635 KB at 2,000 members, the whole group 2.5 GB | **yes**: a removal is one commit |
//! | members must agree on who is in the group | through the signed roster log only | the epoch and tree hash are agreed; a fork is detected |
//! | the server holds no state for the group | yes | no: an `MlsObserver` per group orders commits and keeps the public tree |
//! | post-compromise security | only by rotating chains (n(n-1) 1:1 messages) | one self-update commit of the compromised device |
//!
//! ## Measured (`cargo bench --bench mls`)
//!
//! `VESTNIK_BENCH_QUICK=1 cargo bench --bench mls`, default build, on the
//! 2-core machine with nothing else running (load average under 1); the
//! `RUSTFLAGS=-C target-cpu=x86-64-v3` figures of the same run are at the
//! end.
//!
//! **How a removal is counted** (the bench prints both models with the
//! figures). Sender keys: the admin's `change_roster`, then `n - 2` 1:1
//! messages carrying the signed entry (each decrypted and applied, which
//! rotates the receiver's chain), then `(n - 1)(n - 2)` 1:1 messages carrying
//! the new distributions (each encrypted, decrypted and installed with
//! `process_distribution`). A hundred million 1:1 messages cannot be run, so
//! the per-message costs (318 bytes per distribution message; the CPU of
//! encrypt + decrypt + install; the entry and the admin's change measured in
//! a real group of `n`) are measured and multiplied; sessions are
//! established and chains live, so it is a lower bound. MLS: the committer's
//! real `remove` and `confirm_pending_commit`, measured, plus a member
//! processing that commit, measured at three leaves (1, n/2, n-2) and the mean
//! multiplied by the `n - 2` remaining members. Bytes through the server:
//! every message once up and once down per receiver, for both engines.
//!
//! **The tree matters** (SPEC.md §15.9). A school group is created by one
//! commit adding every device; after it the ratchet tree's inner nodes off
//! the creator's path are blank, so the creator's next commit encrypts its
//! path secret to each leaf of each blank subtree and grows with `n` (165 KB
//! at 2,000) until members' own commits fill the tree. Every device should
//! self-update soon after joining and then periodically, for
//! post-compromise security and to keep commits small. The bench measures
//! both trees: **updated**, after one member in each subtree on the copaths
//! of the committer and of the removed member committed a self-update (16
//! self-updates at 2,000 members, 18 at 10,000: for this removal the same
//! commit as in a tree where everyone has updated), and **fresh**, right
//! after the bulk add. The `ratio mls_removal_<n>_*` lines are the updated
//! tree; `..._fresh_tree` lines the fresh one.
//!
//! | members | sender keys: 1:1 messages | sender keys: bytes | sender keys: CPU, all devices | MLS commit (updated / fresh) | MLS bytes (updated / fresh) | MLS CPU, all devices (updated / fresh) | bytes ratio (updated / fresh) | CPU ratio (updated / fresh) |
//! |---|---|---|---|---|---|---|---|---|
//! | 30 | 840 | 0.5 MB | 41 ms | 1,370 / 3,092 B | 0.04 / 0.09 MB | 31 / 32 ms | 13.4 / 6.0 | 1.3 / 1.3 |
//! | 100 | 9,800 | 6.2 MB | 0.47 s | 1,604 / 8,902 B | 0.16 / 0.88 MB | 0.13 / 0.14 s | 39.3 / 7.1 | 3.8 / 3.3 |
//! | 1,000 | 998,000 | 635 MB | 47 s | 2,283 B / 82.8 KB | 2.3 / 82.7 MB | 3.9 / 4.3 s | 278 / 7.7 | 12.1 / 10.9 |
//! | 2,000 | 3,996,000 | 2.54 GB | 191 s | 2,482 B / 164.9 KB | 5.0 / 330 MB | 14.8 / 17.2 s | **512** / 7.7 | **13.0** / 11.1 |
//! | 10,000 | 99,980,000 | 63.6 GB | 4,803 s | 2,751 B / 821 KB | 27.5 MB / 8.2 GB | 455 / 508 s | 2,312 / 7.7 | 10.6 / 9.4 |
//!
//! Targets at 2,000 (issue 14): bytes ratio 100 or more: **met** on the
//! updated tree (512; 7.7 on the fresh one). CPU ratio 30 or more: **not
//! met** (13.0). Sender keys cost each remaining device about 96 ms at
//! 2,000 members, so 30 needs a member to process the commit in about
//! 3.2 ms; ours takes 7.4 ms. Where it goes (perf, 2,000 members, updated
//! tree): about 32 % (2.4 ms) is mls-rs's own processing of the commit,
//! which itself copies the tree twice (the provisional state, and the prior
//! state it hands back, 0.4 ms more to drop); about 13 % (1.0 ms) is the
//! copy `MlsGroup::process` works on, and about 13 % (1.0 ms) dropping the
//! state it replaces; about 28 % (2.0 ms) is handing the prior epoch to the
//! state slot after each commit (mls-rs snapshots the whole state to do it;
//! the tree itself is no longer encoded there). Almost all of it is
//! allocating, copying and freeing the tree's leaves; the cryptography is a
//! few per cent. Measured directly (an experiment, not kept): without the
//! per-epoch write a member takes 5.1 ms; the copy takes 0.9 ms of that and
//! dropping the replaced state 0.7 ms, so with neither a member would still
//! take about 3.5 ms, a CPU ratio of about 27: the target is out of reach
//! on mls-rs even with nothing around it. The copy stays in any case:
//! mls-rs writes the member's private tree before it checks the
//! confirmation tag, so without it a commit forged by a member would change
//! the state of the devices it is refused on (SPEC.md §15.4). Writing the
//! prior epoch less often would save up to 2.3 ms (a CPU ratio of about 19),
//! at the price of spent epoch secrets staying in memory longer; it is not
//! done.
//!
//! | what | 2,000 members | 10,000 members |
//! |---|---|---|
//! | a member processes a removal commit, updated tree (mean of 3 leaves; OpenMLS 0.9: 10-12 ms at 2,000) | 7.4 ms (8.5 ms fresh) | 45.5 ms (50.8 ms fresh) |
//! | join by Welcome, tree out of band (median of 5; target under 2 s at 10,000) | 0.32 s (Welcome 304 KB, tree 819 KB) | **1.68 s** (Welcome 1.5 MB, tree 4.1 MB): met |
//! | state of one member device, sealed | 1.51 MB (757 B per member) | 7.94 MB (794 B per member) |
//! | application message, 100 B, by a member: encrypt / decrypt | 48 µs / 0.98 ms | 44 µs / 5.4 ms |
//!
//! Adding one member to a 2,000-member group (updated tree): commit
//! 2,415 bytes, Welcome 380 bytes, tree 825 KB; the committer 21 ms, a
//! member processes the commit in 7.6 ms, the newcomer joins in 0.31 s.
//!
//! Application messages, 100 B, in a two-member group (interleaved rounds):
//! `ratio mls_app_decrypt_100B` **0.790** (target 0.67: met; 57.6 µs against
//! 45.5 µs) and encrypt 0.461. Before the provider kept imported signature
//! keys (`MLS_VERIFIED_KEY_CACHE`), every message re-imported its sender's
//! key: decompression and the torsion check of SPEC.md §2.2 cost as much as
//! the signature check itself, and the ratio was 0.48. The MLS message is
//! 407 bytes, the sender-keys message 461. In a large group an MLS decrypt
//! costs about 1 ms at 2,000 members and 5 ms at 10,000, since
//! `MlsGroup::process` copies the whole group state before processing any
//! message (so a refused message leaves it byte-for-byte unchanged: SPEC.md
//! §15.4 says why a cheaper rebuild is not byte-exact); sender keys stay at
//! one signature check and one AEAD at any size.
//!
//! **Join.** Every leaf of the tree is checked during a join. The two
//! signatures of every leaf credential are verified in batches before mls-rs
//! runs (SPEC.md §15.7), and each leaf key is imported once: measured back
//! to back in one process on a loaded machine, joining a 2,000-member group
//! took 0.58-0.72 s against 0.94-1.03 s checking each credential alone, and
//! a 10,000-member group 3.5-4.8 s against 5.3-7.9 s.
//!
//! **With `RUSTFLAGS=-C target-cpu=x86-64-v3`** (same machine, quiet):
//! `ratio mls_removal_2000_bytes` 512 and `_cpu` 12.8 (11.2 fresh), at
//! 10,000 2,312 and 10.1; a member processes the removal in 6.7 ms at 2,000
//! and 42.3 ms at 10,000; join 0.29 s and 1.47 s; `ratio
//! mls_app_decrypt_100B` 0.838.
//!
//! ## Re-creating a class chat that grew as an MLS group
//!
//! A sender-keys group cannot be converted in place; the admin creates an
//! MLS group with the same members and moves the conversation:
//!
//! 1. **KeyPackages.** Every device keeps MLS KeyPackages on the server
//!    beside its prekey bundle: `MlsKeyPackageStore::generate(&identity,
//!    MlsSuite::default(), now, false, &mut rng)` for one-time ones and one
//!    with `last_resort = true`; the server checks each upload with
//!    `validate_key_package(&upload, &uploader, now)` (signature, suite,
//!    lifetime, the credential names the uploading device).
//! 2. **Who.** The admin takes the verified roster of the sender-keys group,
//!    `GroupSession::members()` plus itself, and fetches one KeyPackage per
//!    device.
//! 3. **Create and add.** `MlsGroup::create(&identity, MlsSuite::default(),
//!    &new_group_id, config, now, &mut rng)` with a fresh random group id and
//!    an `MlsConfig` whose `TrustedIdentities` is the app's set of known
//!    devices; then one `add(&key_packages, now)` commit for everyone. The
//!    admin sends the commit to the server, whose `MlsObserver` (created from
//!    the admin's `group_info()` and `ratchet_tree()`) accepts it, and then
//!    calls `confirm_pending_commit()`. The server keeps the Welcome and the
//!    ratchet tree for the joiners.
//! 4. **Announce.** In the old sender-keys group the admin sends an
//!    app-defined message naming the new MLS group id and epoch: it is
//!    authenticated by the admin's sender chain and so carries the old
//!    group's trust over to the new one.
//! 5. **Join.** Each device fetches the Welcome and the tree and calls
//!    `MlsGroup::join(&mut store, &welcome, &tree, config, now)`, then checks
//!    that `members()` equals the sender-keys roster it holds (the MLS
//!    membership is what every device agrees on from here on) and, if the
//!    app wants, compares `epoch_authenticator()` with others.
//! 6. **Switch.** Devices send only on the MLS group; they keep the old
//!    `GroupSession` for reading late messages for a grace period (an hour,
//!    like `GROUP_REMOVAL_GRACE_SECS`) and then delete it. A device that was
//!    offline joins later from the same Welcome and then processes the
//!    commits the server kept since.
//! 7. **From then on** adds are `add`, removals `remove`, and every device
//!    sends a `self_update` now and then (which also fills the ratchet tree,
//!    making later commits small).
