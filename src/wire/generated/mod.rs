// generated from proto/ by tests/proto_codegen.rs; do not edit
// (regenerate: VESTNIK_REGEN_PROTO=1 cargo test --test proto_codegen)
//
// The module tree of the protobuf packages, mounted as `wire::pb` by src/wire/mod.rs.

pub(crate) mod vestnik {
    pub(crate) mod account {
        pub(crate) mod v1 {
            include!("vestnik.account.v1.rs");
        }
    }
    pub(crate) mod call {
        pub(crate) mod v1 {
            include!("vestnik.call.v1.rs");
        }
    }
    pub(crate) mod channel {
        pub(crate) mod v1 {
            include!("vestnik.channel.v1.rs");
        }
    }
    pub(crate) mod credential {
        pub(crate) mod v1 {
            include!("vestnik.credential.v1.rs");
        }
    }
    pub(crate) mod document {
        pub(crate) mod v1 {
            include!("vestnik.document.v1.rs");
        }
    }
    pub(crate) mod group {
        pub(crate) mod v1 {
            include!("vestnik.group.v1.rs");
        }
    }
    pub(crate) mod mls {
        pub(crate) mod v1 {
            include!("vestnik.mls.v1.rs");
        }
    }
    pub(crate) mod mlsobserver {
        pub(crate) mod v1 {
            include!("vestnik.mlsobserver.v1.rs");
        }
    }
    pub(crate) mod session {
        pub(crate) mod v1 {
            include!("vestnik.session.v1.rs");
        }
    }
    pub(crate) mod state {
        pub(crate) mod v1 {
            include!("vestnik.state.v1.rs");
        }
    }
    pub(crate) mod upload {
        pub(crate) mod v1 {
            include!("vestnik.upload.v1.rs");
        }
    }
}
