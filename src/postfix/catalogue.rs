//! What Postfix 3.7 knows: every parameter name with its default (generated
//! from `postconf -d` by `scripts/gen-postfix-catalogue.sh` and committed as
//! data), the names that are obsolete, renamed or removed, the value type of
//! each parameter as far as its default reveals it, and the parameters that
//! `master.cf` services define (`<service>_destination_concurrency_limit`).

use std::collections::HashMap;
use std::sync::OnceLock;

/// `postconf -d` of Postfix 3.7 (the version Debian 12 ships).
const DEFAULTS: &str = include_str!("catalogue/postfix-3.7-defaults.txt");

/// The Postfix version the catalogue describes.
pub const POSTFIX_VERSION: &str = "3.7";

/// A parameter name Postfix no longer wants, and what to use instead.
#[derive(Debug, Clone, Copy)]
pub struct Obsolete {
    pub name: &'static str,
    /// What to write instead; `None` when the advice is to delete the line.
    pub replacement: Option<&'static str>,
    /// The version that renamed or deprecated it.
    pub since: &'static str,
    pub note: &'static str,
}

/// Obsolete, renamed and removed names. Sources: Postfix's
/// `DEPRECATION_README` (the 3.9 warnings), postconf(5) ("This feature is
/// available in Postfix x.y and later" / "obsolete"), and the `RELEASE_NOTES`
/// of the renames. The `xxx_` families are spelled out for smtp, lmtp and
/// smtpd.
pub const OBSOLETE: &[Obsolete] = &[
    Obsolete {
        name: "virtual_maps",
        replacement: Some("virtual_alias_maps"),
        since: "2.0",
        note: "renamed in Postfix 2.0; still honoured through the default `virtual_alias_maps = $virtual_maps`",
    },
    Obsolete {
        name: "smtpd_use_tls",
        replacement: Some("smtpd_tls_security_level = may"),
        since: "3.9",
        note: "deprecated with a warning since Postfix 3.9",
    },
    Obsolete {
        name: "smtpd_enforce_tls",
        replacement: Some("smtpd_tls_security_level = encrypt"),
        since: "3.9",
        note: "deprecated with a warning since Postfix 3.9",
    },
    Obsolete {
        name: "smtp_use_tls",
        replacement: Some("smtp_tls_security_level = may"),
        since: "3.9",
        note: "deprecated with a warning since Postfix 3.9",
    },
    Obsolete {
        name: "smtp_enforce_tls",
        replacement: Some("smtp_tls_security_level = encrypt"),
        since: "3.9",
        note: "deprecated with a warning since Postfix 3.9",
    },
    Obsolete {
        name: "lmtp_use_tls",
        replacement: Some("lmtp_tls_security_level = may"),
        since: "3.9",
        note: "deprecated with a warning since Postfix 3.9",
    },
    Obsolete {
        name: "lmtp_enforce_tls",
        replacement: Some("lmtp_tls_security_level = encrypt"),
        since: "3.9",
        note: "deprecated with a warning since Postfix 3.9",
    },
    Obsolete {
        name: "smtp_tls_enforce_peername",
        replacement: Some("smtp_tls_security_level = verify"),
        since: "3.11",
        note: "deprecated with a warning since Postfix 3.11",
    },
    Obsolete {
        name: "lmtp_tls_enforce_peername",
        replacement: Some("lmtp_tls_security_level = verify"),
        since: "3.11",
        note: "deprecated with a warning since Postfix 3.11",
    },
    Obsolete {
        name: "smtp_tls_per_site",
        replacement: Some("smtp_tls_policy_maps"),
        since: "3.9",
        note: "deprecated with a warning since Postfix 3.9",
    },
    Obsolete {
        name: "lmtp_tls_per_site",
        replacement: Some("lmtp_tls_policy_maps"),
        since: "3.9",
        note: "deprecated with a warning since Postfix 3.9",
    },
    Obsolete {
        name: "disable_dns_lookups",
        replacement: Some("smtp_dns_support_level"),
        since: "3.9",
        note: "deprecated with a warning since Postfix 3.9",
    },
    Obsolete {
        name: "smtpd_tls_dh1024_param_file",
        replacement: None,
        since: "3.9",
        note: "deprecated since Postfix 3.9: leave it unset, the built-in groups are better",
    },
    Obsolete {
        name: "smtpd_tls_eecdh_grade",
        replacement: None,
        since: "3.9",
        note: "deprecated since Postfix 3.9: leave it unset, the default curves are better",
    },
    Obsolete {
        name: "tls_dane_digest_agility",
        replacement: None,
        since: "3.9",
        note: "deprecated since Postfix 3.9: remove it",
    },
    Obsolete {
        name: "tls_dane_trust_anchor_digest_enable",
        replacement: None,
        since: "3.9",
        note: "deprecated since Postfix 3.9: remove it",
    },
    Obsolete {
        name: "tlsproxy_client_level",
        replacement: Some("tlsproxy_client_security_level"),
        since: "3.4",
        note: "renamed in Postfix 3.4",
    },
    Obsolete {
        name: "tlsproxy_client_policy",
        replacement: Some("tlsproxy_client_policy_maps"),
        since: "3.4",
        note: "renamed in Postfix 3.4",
    },
    Obsolete {
        name: "postscreen_blacklist_action",
        replacement: Some("postscreen_denylist_action"),
        since: "3.6",
        note: "renamed in Postfix 3.6",
    },
    Obsolete {
        name: "postscreen_whitelist_interfaces",
        replacement: Some("postscreen_allowlist_interfaces"),
        since: "3.6",
        note: "renamed in Postfix 3.6",
    },
    Obsolete {
        name: "postscreen_dnsbl_whitelist_threshold",
        replacement: Some("postscreen_dnsbl_allowlist_threshold"),
        since: "3.6",
        note: "renamed in Postfix 3.6",
    },
    Obsolete {
        name: "postscreen_dnsbl_ttl",
        replacement: Some("postscreen_dnsbl_max_ttl"),
        since: "3.1",
        note: "renamed in Postfix 3.1",
    },
    Obsolete {
        name: "smtpd_client_connection_limit_exceptions",
        replacement: Some("smtpd_client_event_limit_exceptions"),
        since: "2.2",
        note: "renamed in Postfix 2.2",
    },
    Obsolete {
        name: "fallback_relay",
        replacement: Some("smtp_fallback_relay"),
        since: "2.3",
        note: "renamed in Postfix 2.3",
    },
    Obsolete {
        name: "authorized_verp_clients",
        replacement: Some("smtpd_authorized_verp_clients"),
        since: "2.1",
        note: "renamed in Postfix 2.1",
    },
    Obsolete {
        name: "smtpd_tls_dcert_file",
        replacement: Some("smtpd_tls_chain_files"),
        since: "3.4",
        note: "superseded in Postfix 3.4",
    },
    Obsolete {
        name: "smtpd_tls_dkey_file",
        replacement: Some("smtpd_tls_chain_files"),
        since: "3.4",
        note: "superseded in Postfix 3.4",
    },
    Obsolete {
        name: "smtpd_tls_eccert_file",
        replacement: Some("smtpd_tls_chain_files"),
        since: "3.4",
        note: "superseded in Postfix 3.4",
    },
    Obsolete {
        name: "smtpd_tls_eckey_file",
        replacement: Some("smtpd_tls_chain_files"),
        since: "3.4",
        note: "superseded in Postfix 3.4",
    },
    Obsolete {
        name: "sender_based_routing",
        replacement: Some("sender_dependent_relayhost_maps"),
        since: "2.3",
        note: "removed in Postfix 2.3",
    },
    Obsolete {
        name: "smtp_skip_4xx_greeting",
        replacement: None,
        since: "2.5",
        note: "removed in Postfix 2.5: a 4xx greeting is always skipped",
    },
    Obsolete {
        name: "tls_daemon_random_source",
        replacement: Some("tls_random_source"),
        since: "2.3",
        note: "removed in Postfix 2.3",
    },
    Obsolete {
        name: "smtpd_tls_cipherlist",
        replacement: Some("smtpd_tls_mandatory_ciphers"),
        since: "2.3",
        note: "removed in Postfix 2.3",
    },
    Obsolete {
        name: "smtp_tls_cipherlist",
        replacement: Some("smtp_tls_mandatory_ciphers"),
        since: "2.3",
        note: "removed in Postfix 2.3",
    },
];

/// The per-transport parameters Postfix derives from each `master.cf`
/// service name (postconf's list of delivery and spawn suffixes).
pub const SERVICE_SUFFIXES: &[&str] = &[
    "_delivery_slot_cost",
    "_delivery_slot_discount",
    "_delivery_slot_loan",
    "_destination_concurrency_failed_cohort_limit",
    "_destination_concurrency_limit",
    "_destination_concurrency_negative_feedback",
    "_destination_concurrency_positive_feedback",
    "_destination_rate_delay",
    "_destination_recipient_limit",
    "_extra_recipient_limit",
    "_initial_destination_concurrency",
    "_minimum_delivery_slots",
    "_recipient_limit",
    "_recipient_refill_delay",
    "_recipient_refill_limit",
    "_transport_rate_delay",
    "_time_limit",
];

/// What a parameter's value must look like, as far as mailctl checks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    /// Digits only (`message_size_limit = 10240000`).
    Number,
    /// `yes` or `no`.
    Boolean,
    /// Digits with an optional unit: `300s`, `5d`.
    Time,
    Other,
}

/// Integer-valued by default but accepting other words too.
const NOT_NUMERIC: &[&str] = &[
    "compatibility_level",
    "lmtp_tcp_port",
    "mail_release_date",
    "process_id",
];

/// The parameter names and defaults, parsed once.
pub fn defaults() -> &'static HashMap<&'static str, &'static str> {
    static MAP: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    MAP.get_or_init(|| {
        DEFAULTS
            .lines()
            .filter(|line| !line.starts_with('#'))
            .filter_map(|line| {
                let (name, value) = line.split_once(" =")?;
                Some((name, value.trim_start()))
            })
            .collect()
    })
}

/// Whether Postfix 3.7 knows this parameter name.
pub fn is_known(name: &str) -> bool {
    defaults().contains_key(name)
}

/// The default value of a known parameter.
pub fn default_of(name: &str) -> Option<&'static str> {
    defaults().get(name).copied()
}

/// Whether Postfix 3.7 still reads this name: it is a parameter, or a
/// legacy name that a parameter's default refers to (`$virtual_maps`).
pub fn is_honoured(name: &str) -> bool {
    static REFERENCED: OnceLock<std::collections::HashSet<&'static str>> = OnceLock::new();
    is_known(name)
        || REFERENCED
            .get_or_init(|| {
                defaults()
                    .values()
                    .flat_map(|v| crate::postfix::expand::references(v))
                    .map(|r| r.name)
                    .collect()
            })
            .contains(name)
}

pub fn obsolete(name: &str) -> Option<&'static Obsolete> {
    OBSOLETE.iter().find(|o| o.name == name)
}

/// Whether `name` is a per-service parameter of one of `services`.
pub fn is_service_parameter<'a>(name: &str, mut services: impl Iterator<Item = &'a str>) -> bool {
    services.any(|service| {
        name.strip_prefix(service)
            .and_then(|rest| rest.strip_prefix('_').map(|_| rest))
            .is_some_and(|rest| SERVICE_SUFFIXES.contains(&rest))
    })
}

/// The value type, from the default (following `$other` defaults).
pub fn value_type(name: &str) -> ValueType {
    let mut current = name;
    for _ in 0..8 {
        if NOT_NUMERIC.contains(&current) {
            return ValueType::Other;
        }
        let Some(default) = default_of(current) else {
            // `<service>_destination_recipient_limit` is typed like
            // `default_destination_recipient_limit`.
            return SERVICE_SUFFIXES
                .iter()
                .find(|suffix| current.ends_with(*suffix) && !current.starts_with("default_"))
                .map_or(ValueType::Other, |suffix| {
                    value_type(&format!("default{suffix}"))
                });
        };
        if let Some(other) = default
            .strip_prefix('$')
            .filter(|o| o.bytes().all(is_name_byte))
        {
            current = other;
            continue;
        }
        return classify_default(default);
    }
    ValueType::Other
}

fn classify_default(default: &str) -> ValueType {
    if default == "yes" || default == "no" {
        ValueType::Boolean
    } else if !default.is_empty() && default.bytes().all(|b| b.is_ascii_digit()) {
        ValueType::Number
    } else if is_time(default) {
        ValueType::Time
    } else {
        ValueType::Other
    }
}

/// `30`, `30s`, `5m`, `1h`, `7d`, `2w`.
pub fn is_time(value: &str) -> bool {
    let digits = value.trim_end_matches(['s', 'm', 'h', 'd', 'w']);
    value.len() - digits.len() <= 1
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Characters of a parameter name, as `$name` expansion sees them.
pub fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_has_postfix_37_parameters() {
        assert!(defaults().len() > 800);
        assert_eq!(default_of("virtual_alias_maps"), Some("$virtual_maps"));
        assert!(is_known("smtpd_tls_security_level"));
        assert!(
            !is_known("virtual_maps"),
            "legacy names are in OBSOLETE, not in postconf -d"
        );
    }

    #[test]
    fn value_types_come_from_defaults() {
        assert_eq!(value_type("message_size_limit"), ValueType::Number);
        assert_eq!(value_type("biff"), ValueType::Boolean);
        assert_eq!(value_type("maximal_queue_lifetime"), ValueType::Time);
        // `$smtpd_tls_loglevel`, a number.
        assert_eq!(value_type("tlsproxy_tls_loglevel"), ValueType::Number);
        // A per-service parameter has the type of its `default_` parameter.
        assert_eq!(
            value_type("dovecot_destination_recipient_limit"),
            ValueType::Number
        );
        assert_eq!(value_type("compatibility_level"), ValueType::Other);
        assert_eq!(value_type("myhostname"), ValueType::Other);
    }

    #[test]
    fn service_parameters_need_a_known_suffix() {
        let services = ["dovecot", "smtp"];
        assert!(is_service_parameter(
            "dovecot_destination_recipient_limit",
            services.into_iter()
        ));
        assert!(!is_service_parameter(
            "dovecot_whatever",
            services.into_iter()
        ));
    }

    #[test]
    fn legacy_names_are_honoured_through_defaults() {
        assert!(is_honoured("virtual_maps"));
        assert!(is_honoured("fallback_relay"));
        assert!(is_honoured("smtpd_use_tls"));
        assert!(!is_honoured("sender_based_routing"));
    }
}
