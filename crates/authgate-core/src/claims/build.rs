//! Building the index of [`super::Claims`]: from the members a parser reads in document
//! order ([`IndexBuilder`], which also refuses repeated names), or from a map.

use super::index::{Claim, KNOWN_COUNT, KnownTable, Member, Text, Typed, known_entry};
use serde_json::{Map, Value};

/// The index of a map's members (names and strings copied) and its known-claim table.
pub(crate) fn index_map(map: &Map<String, Value>) -> (Vec<Member>, KnownTable) {
    let mut known = [0; KNOWN_COUNT];
    let members = map
        .iter()
        .enumerate()
        .map(|(index, (name, value))| {
            if let Some(slot) = Claim::named(name).and_then(|c| known.get_mut(c.slot())) {
                *slot = known_entry(index);
            }
            Member {
                name: Text::Owned(name.as_str().into()),
                value: Typed::from_value(value),
            }
        })
        .collect();
    (members, known)
}

/// Collects the members of one object as a parser reads them. A repeated name (compared
/// after unescaping) refuses the object at [`IndexBuilder::finish`], once every member has
/// been read, as the map-building parser does.
pub(crate) struct IndexBuilder<'p> {
    /// The payload that [`Text::Span`]s point into.
    payload: &'p str,
    members: Vec<Member>,
    known: KnownTable,
    others: OtherNames,
    repeated: bool,
}

impl<'p> IndexBuilder<'p> {
    /// An empty index of an object in `payload`.
    pub(crate) fn new(payload: &'p str) -> Self {
        IndexBuilder {
            payload,
            // Room for a typical access token's claims without growing.
            members: Vec::with_capacity(24),
            known: [0; KNOWN_COUNT],
            others: OtherNames::default(),
            repeated: false,
        }
    }

    /// Adds the next member.
    pub(crate) fn push(&mut self, name: Text, value: Typed) {
        let text = name.resolve(self.payload);
        let position = self.members.len();
        self.repeated |= match Claim::named(text).and_then(|c| self.known.get_mut(c.slot())) {
            Some(slot) => std::mem::replace(slot, known_entry(position)) != 0,
            None => self.others.add(text, position, &self.members, self.payload),
        };
        self.members.push(Member { name, value });
    }

    /// The members and the known-claim table; `None` when a name was repeated.
    pub(crate) fn finish(self) -> Option<(Vec<Member>, KnownTable)> {
        let repeated = self.repeated || self.others.repeated(&self.members, self.payload);
        (!repeated).then_some((self.members, self.known))
    }
}

/// The names of the members without a known-claim slot (those find a repeat through their
/// slot), kept to refuse a repeated one: the first few compared as they arrive, any beyond
/// that sorted at the end (so thousands of names stay O(n log n)).
#[derive(Default)]
struct OtherNames {
    /// Member indices of the first [`OtherNames::EAGER`] such names.
    first: [usize; OtherNames::EAGER],
    count: usize,
}

impl OtherNames {
    /// How many names are compared on arrival.
    const EAGER: usize = 16;

    /// Records that `members[index]` (not pushed yet) is called `name`; `true` when one of
    /// the first few recorded names is the same ([`OtherNames::repeated`] covers the rest).
    fn add(&mut self, name: &str, index: usize, members: &[Member], payload: &str) -> bool {
        let seen = self
            .first
            .get(..self.count.min(Self::EAGER))
            .unwrap_or_default();
        let repeated = seen
            .iter()
            .filter_map(|&i| members.get(i))
            // Lengths first: most names differ there, without resolving a span.
            .any(|m| m.name.byte_len() == name.len() && m.name.resolve(payload) == name);
        if let Some(slot) = self.first.get_mut(self.count) {
            *slot = index;
        }
        self.count += 1;
        repeated
    }

    /// Whether two recorded names are the same, once all members are read. Only needed when
    /// more names arrived than [`OtherNames::add`] compares.
    fn repeated(&self, members: &[Member], payload: &str) -> bool {
        if self.count <= Self::EAGER {
            return false;
        }
        let mut names: Vec<&str> = members
            .iter()
            .map(|m| m.name.resolve(payload))
            .filter(|name| Claim::named(name).is_none())
            .collect();
        names.sort_unstable();
        names
            .windows(2)
            .any(|pair| matches!(pair, [a, b] if a == b))
    }
}
