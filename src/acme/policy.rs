//! When a certificate is due for renewal. Pure: the caller passes the clock,
//! the certificate, what the spec wants and the CA's renewal window.
//!
//! Lifetimes are shrinking (Let's Encrypt: 64 days from 2027, 6-day
//! certificates already), so a fixed "30 days before expiry" is wrong. As
//! certbot 4 and lego do, a certificate is due when less than a third of its
//! lifetime is left, or half for lifetimes of 10 days or less. When the CA
//! offers ACME Renewal Information (RFC 9773), its suggested window counts
//! too: the client picks a random moment in the window once and renews when
//! it has come, or at once when the window is already over.

use serde::{Deserialize, Serialize};

use super::certificate::CertificateInfo;

const DAY: i64 = 86_400;

/// Why a certificate is due. `None` from `due` means it is not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum Reason {
    /// There is no certificate yet.
    Missing,
    Expired,
    /// The current certificate cannot be read or parsed.
    Unreadable {
        error: String,
    },
    /// `--force`.
    Forced,
    /// The spec's names are not the certificate's.
    NamesChanged {
        added: Vec<String>,
        removed: Vec<String>,
    },
    /// The spec asks for another key type.
    KeyTypeChanged {
        have: String,
        want: String,
    },
    /// Less than the fraction of the lifetime is left.
    LifetimeLeft {
        left_seconds: i64,
        lifetime_seconds: i64,
    },
    /// Less than `[acme] renew_before` is left.
    RenewBefore {
        left_seconds: i64,
    },
    /// The CA's renewal window says so.
    RenewalWindow {
        start: i64,
        end: i64,
    },
}

impl Reason {
    pub fn describe(&self) -> String {
        match self {
            Reason::Missing => "there is no certificate yet".into(),
            Reason::Expired => "the certificate has expired".into(),
            Reason::Unreadable { error } => {
                format!("the current certificate cannot be read: {error}")
            }
            Reason::Forced => "--force".into(),
            Reason::NamesChanged { added, removed } => {
                let mut parts = Vec::new();
                if !added.is_empty() {
                    parts.push(format!("the spec adds {}", quoted(added)));
                }
                if !removed.is_empty() {
                    parts.push(format!("the spec drops {}", quoted(removed)));
                }
                parts.join(" and ")
            }
            Reason::KeyTypeChanged { have, want } => {
                format!("the key is {have}, the spec asks for {want}")
            }
            Reason::LifetimeLeft {
                left_seconds,
                lifetime_seconds,
            } => format!(
                "{} of its {} lifetime is left (renewal starts at {})",
                human(*left_seconds),
                human(*lifetime_seconds),
                if *lifetime_seconds <= 10 * DAY {
                    "one half"
                } else {
                    "one third"
                }
            ),
            Reason::RenewBefore { left_seconds } => {
                format!("{} left is less than `renew_before`", human(*left_seconds))
            }
            Reason::RenewalWindow { .. } => "the CA's renewal window (ARI) has come".into(),
        }
    }
}

/// Names in backticks, for messages: `` `a`, `b` ``.
pub fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Seconds for people: `41d 3h`, `5h 10m`, `42s`.
pub fn human(seconds: i64) -> String {
    let s = seconds.abs();
    let sign = if seconds < 0 { "-" } else { "" };
    if s >= DAY {
        format!("{sign}{}d {}h", s / DAY, s % DAY / 3600)
    } else if s >= 3600 {
        format!("{sign}{}h {}m", s / 3600, s % 3600 / 60)
    } else if s >= 60 {
        format!("{sign}{}m", s / 60)
    } else {
        format!("{sign}{s}s")
    }
}

/// The moment the lifetime rule makes a certificate due: when a third of its
/// lifetime is left, or half for lifetimes of 10 days or less.
pub fn lifetime_threshold(not_before: i64, not_after: i64) -> i64 {
    let lifetime = not_after - not_before + 1;
    let left = if lifetime <= 10 * DAY {
        lifetime / 2
    } else {
        lifetime / 3
    };
    not_before + lifetime - left
}

/// Whether `renew_before` is at least half of the certificate's lifetime,
/// which would renew on every run: then it is ignored and the lifetime rule
/// alone decides (the caller warns).
pub fn renew_before_too_long(renew_before: i64, cert: &CertificateInfo) -> bool {
    renew_before >= cert.lifetime() / 2
}

/// What the spec wants of the certificate.
#[derive(Debug, Clone)]
pub struct Wanted<'a> {
    pub names: &'a [String],
    pub key_type: &'a str,
    /// Seconds; `[acme] renew_before`.
    pub renew_before: Option<i64>,
}

/// A renewal window from the CA (RFC 9773 §4.2) and the moment the client
/// chose in it, kept between runs so hourly cron runs do not skew the choice
/// towards the window's start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenewalWindow {
    pub start: i64,
    pub end: i64,
    pub chosen: i64,
    /// Do not ask the CA again before this (its `Retry-After`).
    pub next_check: i64,
}

impl RenewalWindow {
    /// A window with a uniformly random moment in it, from `random`.
    pub fn choose(start: i64, end: i64, next_check: i64, random: u64) -> RenewalWindow {
        let width = u64::try_from((end - start).max(0)).unwrap_or(0);
        let offset = if width == 0 { 0 } else { random % (width + 1) };
        RenewalWindow {
            start,
            end,
            chosen: start + i64::try_from(offset).unwrap_or(0),
            next_check,
        }
    }

    /// Keep the earlier choice when the CA still suggests the same window.
    #[must_use]
    pub fn update(
        previous: Option<&RenewalWindow>,
        start: i64,
        end: i64,
        next_check: i64,
        random: u64,
    ) -> RenewalWindow {
        match previous {
            Some(p) if p.start == start && p.end == end => RenewalWindow {
                next_check,
                ..p.clone()
            },
            _ => RenewalWindow::choose(start, end, next_check, random),
        }
    }

    /// Due when the chosen moment has come, or the window is over.
    pub fn is_due(&self, now: i64) -> bool {
        now >= self.chosen || now >= self.end
    }
}

/// Whether the certificate is due, and why (the first reason that applies).
pub fn due(
    now: i64,
    have: Option<&CertificateInfo>,
    wanted: &Wanted,
    window: Option<&RenewalWindow>,
) -> Option<Reason> {
    let Some(cert) = have else {
        return Some(Reason::Missing);
    };
    if now > cert.not_after {
        return Some(Reason::Expired);
    }
    let added: Vec<String> = wanted
        .names
        .iter()
        .filter(|n| !cert.names.contains(n))
        .cloned()
        .collect();
    let removed: Vec<String> = cert
        .names
        .iter()
        .filter(|n| !wanted.names.contains(n))
        .cloned()
        .collect();
    if !added.is_empty() || !removed.is_empty() {
        return Some(Reason::NamesChanged { added, removed });
    }
    if cert.key_type != wanted.key_type {
        return Some(Reason::KeyTypeChanged {
            have: cert.key_type.clone(),
            want: wanted.key_type.to_owned(),
        });
    }
    if let Some(w) = window
        && w.is_due(now)
    {
        return Some(Reason::RenewalWindow {
            start: w.start,
            end: w.end,
        });
    }
    let left = cert.not_after - now;
    if now >= lifetime_threshold(cert.not_before, cert.not_after) {
        return Some(Reason::LifetimeLeft {
            left_seconds: left,
            lifetime_seconds: cert.lifetime(),
        });
    }
    if let Some(before) = wanted.renew_before
        && left < before
        && !renew_before_too_long(before, cert)
    {
        return Some(Reason::RenewBefore { left_seconds: left });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(not_before: i64, days: i64) -> CertificateInfo {
        CertificateInfo {
            names: vec!["mail.example.test".into()],
            issuer: "CN=test".into(),
            not_before,
            not_after: not_before + days * DAY - 1,
            key_type: "ecdsa-p256".into(),
            spki: Vec::new(),
            der: Vec::new(),
            chain_length: 2,
        }
    }

    fn wanted(names: &[String]) -> Wanted<'_> {
        Wanted {
            names,
            key_type: "ecdsa-p256",
            renew_before: None,
        }
    }

    #[test]
    fn a_third_of_a_90_day_lifetime() {
        let names = vec!["mail.example.test".to_owned()];
        let c = cert(0, 90);
        // Due at 60 days: 30 days (a third) left.
        assert_eq!(due(59 * DAY, Some(&c), &wanted(&names), None), None);
        assert!(matches!(
            due(60 * DAY, Some(&c), &wanted(&names), None),
            Some(Reason::LifetimeLeft { .. })
        ));
        // 64-day certificates: due with 21.3 days left.
        let c = cert(0, 64);
        assert_eq!(due(42 * DAY, Some(&c), &wanted(&names), None), None);
        assert!(due(43 * DAY, Some(&c), &wanted(&names), None).is_some());
    }

    #[test]
    fn half_of_a_short_lifetime() {
        let names = vec!["mail.example.test".to_owned()];
        let c = cert(0, 6);
        assert_eq!(due(3 * DAY - 1, Some(&c), &wanted(&names), None), None);
        assert!(matches!(
            due(3 * DAY, Some(&c), &wanted(&names), None),
            Some(Reason::LifetimeLeft { .. })
        ));
        // Exactly 10 days still counts as short.
        assert_eq!(lifetime_threshold(0, 10 * DAY - 1), 5 * DAY);
        // 11 days: a third.
        assert_eq!(lifetime_threshold(0, 11 * DAY - 1), 11 * DAY - 11 * DAY / 3);
    }

    #[test]
    fn missing_expired_and_changed_names() {
        let names = vec![
            "mail.example.test".to_owned(),
            "mta-sts.example.test".to_owned(),
        ];
        assert_eq!(due(0, None, &wanted(&names), None), Some(Reason::Missing));
        let c = cert(0, 90);
        assert_eq!(
            due(91 * DAY, Some(&c), &wanted(&names[..1]), None),
            Some(Reason::Expired)
        );
        assert_eq!(
            due(DAY, Some(&c), &wanted(&names), None),
            Some(Reason::NamesChanged {
                added: vec!["mta-sts.example.test".into()],
                removed: vec![],
            })
        );
        let w = Wanted {
            key_type: "rsa-2048",
            ..wanted(&names[..1])
        };
        assert!(matches!(
            due(DAY, Some(&c), &w, None),
            Some(Reason::KeyTypeChanged { .. })
        ));
    }

    #[test]
    fn renew_before_overrides_a_long_lifetime() {
        let names = vec!["mail.example.test".to_owned()];
        let c = cert(0, 1826);
        let w = Wanted {
            renew_before: Some(700 * DAY),
            ..wanted(&names)
        };
        // 699 days left: before the lifetime rule (608 days left) applies.
        assert!(matches!(
            due(1127 * DAY, Some(&c), &w, None),
            Some(Reason::RenewBefore { .. })
        ));
        assert_eq!(due(1125 * DAY, Some(&c), &w, None), None);
        assert_eq!(due(1127 * DAY, Some(&c), &wanted(&names), None), None);
    }

    #[test]
    fn renew_before_of_half_the_lifetime_or_more_falls_back_to_a_third() {
        let names = vec!["mail.example.test".to_owned()];
        let c = cert(0, 90);
        assert!(!renew_before_too_long(45 * DAY - 1, &c));
        assert!(renew_before_too_long(45 * DAY, &c));
        for before in [45, 89, 2000] {
            let w = Wanted {
                renew_before: Some(before * DAY),
                ..wanted(&names)
            };
            assert!(renew_before_too_long(before * DAY, &c));
            // Not due on every run: only from the one-third point.
            assert_eq!(due(DAY, Some(&c), &w, None), None, "{before}d");
            assert_eq!(due(59 * DAY, Some(&c), &w, None), None, "{before}d");
            assert!(matches!(
                due(60 * DAY, Some(&c), &w, None),
                Some(Reason::LifetimeLeft { .. })
            ));
        }
        // Just under half still counts.
        let w = Wanted {
            renew_before: Some(44 * DAY),
            ..wanted(&names)
        };
        assert!(matches!(
            due(47 * DAY, Some(&c), &w, None),
            Some(Reason::RenewBefore { .. })
        ));
    }

    #[test]
    fn renewal_window_is_chosen_once_and_respected() {
        let names = vec!["mail.example.test".to_owned()];
        let c = cert(0, 90);
        let w = RenewalWindow::choose(10 * DAY, 12 * DAY, 0, 123_456);
        assert!((10 * DAY..=12 * DAY).contains(&w.chosen));
        assert_eq!(due(w.chosen - 1, Some(&c), &wanted(&names), Some(&w)), None);
        assert_eq!(
            due(w.chosen, Some(&c), &wanted(&names), Some(&w)),
            Some(Reason::RenewalWindow {
                start: 10 * DAY,
                end: 12 * DAY
            })
        );
        // The same window keeps the choice; a new one chooses again.
        let same = RenewalWindow::update(Some(&w), 10 * DAY, 12 * DAY, 99, 1);
        assert_eq!((same.chosen, same.next_check), (w.chosen, 99));
        let moved = RenewalWindow::update(Some(&w), DAY, DAY + 1, 99, 1);
        assert_eq!(moved.chosen, DAY + 1);
        // A window in the past (e.g. after a revocation notice): due now.
        let past = RenewalWindow::choose(0, DAY, 0, u64::MAX);
        assert!(past.is_due(2 * DAY));
        // An empty window is its start.
        assert_eq!(RenewalWindow::choose(5, 5, 0, 77).chosen, 5);
    }

    #[test]
    fn durations_for_people() {
        assert_eq!(human(90 * DAY + 3 * 3600), "90d 3h");
        assert_eq!(human(3700), "1h 1m");
        assert_eq!(human(-120), "-2m");
    }
}
