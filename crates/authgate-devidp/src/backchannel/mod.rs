//! OpenID Connect Back-Channel Logout 1.0 on the OP side: login sessions (`sid`), the clients'
//! registered `backchannel_logout_uri`s, and the delivery of logout tokens when a session
//! ends (end-session with `id_token_hint`, `POST /_dev/logout`, [`crate::DevIdp::logout_session`]).

mod api;
mod deliver;
mod routes;
mod spec;

pub(crate) use deliver::logout;
pub(crate) use routes::routes;
pub use spec::LogoutTokenSpec;

use crate::flavor::Flavor;
use crate::flow::Grant;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, PoisonError};

/// One delivered (or attempted) logout token.
#[derive(Clone)]
pub struct BackchannelDelivery {
    /// The client notified (the token's `aud`).
    pub client_id: String,
    /// Its registered back-channel logout URI.
    pub uri: String,
    /// The logout token sent.
    pub logout_token: String,
    /// The HTTP status the client answered, `None` when it could not be reached.
    pub status: Option<u16>,
}

impl std::fmt::Debug for BackchannelDelivery {
    /// Leaves the token out.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackchannelDelivery")
            .field("client_id", &self.client_id)
            .field("uri", &self.uri)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// Which login sessions end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LogoutTarget {
    /// The session with this `sid`.
    Sid(String),
    /// Every session of this subject.
    Subject(String),
}

/// A login session: who signed in at which flavor, and the clients that got tokens in it.
#[derive(Debug, Clone)]
struct LoginSession {
    flavor: Flavor,
    tenant: String,
    subject: Option<String>,
    clients: BTreeSet<String>,
}

impl LoginSession {
    /// The `sub` its tokens carry.
    fn subject(&self) -> String {
        self.subject
            .clone()
            .unwrap_or_else(|| crate::shape::default_subject(self.flavor).to_owned())
    }
}

/// A logout token to send: for `client_id` at `uri`.
#[derive(Debug, Clone)]
pub(crate) struct Notice {
    pub(crate) flavor: Flavor,
    pub(crate) tenant: Option<String>,
    pub(crate) subject: Option<String>,
    pub(crate) sid: Option<String>,
    pub(crate) client_id: String,
    pub(crate) uri: String,
}

/// A registered client: the flavor whose tokens it receives and its logout URIs.
#[derive(Debug, Clone)]
struct Client {
    flavor: Flavor,
    uris: Vec<String>,
}

/// Sessions, registrations and the deliveries made so far.
#[derive(Default)]
pub(crate) struct Backchannel {
    sessions: Mutex<HashMap<String, LoginSession>>,
    clients: Mutex<HashMap<String, Client>>,
    deliveries: Mutex<Vec<BackchannelDelivery>>,
}

impl Backchannel {
    /// Records that `grant`'s client signed its user in within session `sid`.
    pub(crate) fn open_session(&self, sid: String, grant: &Grant) {
        let mut sessions = self.sessions.lock().unwrap_or_else(PoisonError::into_inner);
        let session = sessions.entry(sid).or_insert_with(|| LoginSession {
            flavor: grant.flavor,
            tenant: grant.tenant.clone(),
            subject: grant.subject.clone(),
            clients: BTreeSet::new(),
        });
        session.clients.insert(grant.client_id.clone());
    }

    /// Registers `uri` as `client_id`'s back-channel logout URI (tokens of `flavor`).
    pub(crate) fn register(&self, client_id: &str, uri: &str, flavor: Flavor) {
        let mut clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        let client = clients.entry(client_id.to_owned()).or_insert(Client {
            flavor,
            uris: Vec::new(),
        });
        client.flavor = flavor;
        if !client.uris.iter().any(|u| u == uri) {
            client.uris.push(uri.to_owned());
        }
    }

    /// Ends the targeted sessions and says whom to notify: each registered client of each
    /// ended session; when no session matched, every registered client (with only the
    /// target's `sid` or `sub`).
    pub(crate) fn end(&self, target: &LogoutTarget) -> Vec<Notice> {
        let ended = self.take_sessions(target);
        let clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        if ended.is_empty() {
            return unmatched(target, &clients);
        }
        let mut notices = Vec::new();
        for (sid, session) in ended {
            for client_id in &session.clients {
                let Some(client) = clients.get(client_id) else {
                    continue;
                };
                notices.extend(client.uris.iter().map(|uri| Notice {
                    flavor: session.flavor,
                    tenant: Some(session.tenant.clone()),
                    subject: Some(session.subject()),
                    sid: Some(sid.clone()),
                    client_id: client_id.clone(),
                    uri: uri.clone(),
                }));
            }
        }
        notices
    }

    fn take_sessions(&self, target: &LogoutTarget) -> Vec<(String, LoginSession)> {
        let mut sessions = self.sessions.lock().unwrap_or_else(PoisonError::into_inner);
        let sids: Vec<String> = sessions
            .iter()
            .filter(|(sid, s)| match target {
                LogoutTarget::Sid(want) => *sid == want,
                LogoutTarget::Subject(want) => s.subject() == *want,
            })
            .map(|(sid, _)| sid.clone())
            .collect();
        let mut ended: Vec<(String, LoginSession)> = sids
            .into_iter()
            .filter_map(|sid| sessions.remove(&sid).map(|s| (sid, s)))
            .collect();
        ended.sort_by(|a, b| a.0.cmp(&b.0));
        ended
    }

    /// Records a delivery.
    pub(crate) fn record(&self, delivery: BackchannelDelivery) {
        self.deliveries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(delivery);
    }

    /// Every delivery so far, oldest first.
    pub(crate) fn deliveries(&self) -> Vec<BackchannelDelivery> {
        self.deliveries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

fn unmatched(target: &LogoutTarget, clients: &HashMap<String, Client>) -> Vec<Notice> {
    let (sid, subject) = match target {
        LogoutTarget::Sid(sid) => (Some(sid.clone()), None),
        LogoutTarget::Subject(sub) => (None, Some(sub.clone())),
    };
    let mut ids: Vec<&String> = clients.keys().collect();
    ids.sort();
    let mut notices = Vec::new();
    for id in ids {
        let Some(client) = clients.get(id) else {
            continue;
        };
        notices.extend(client.uris.iter().map(|uri| Notice {
            flavor: client.flavor,
            tenant: None,
            subject: subject.clone(),
            sid: sid.clone(),
            client_id: id.clone(),
            uri: uri.clone(),
        }));
    }
    notices
}
