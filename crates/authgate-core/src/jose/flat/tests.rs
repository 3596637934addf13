//! The byte search of the reader, and the inputs the readers' differential tests share
//! (`claims_json` and `header_json` hold their fast paths to serde_json with these): objects
//! inside the subset, and the same objects pushed just over its edges.

use super::*;
use proptest::prelude::*;

#[test]
fn special_bytes_are_found_at_every_offset() {
    for special in [b'"', b'\\', 0x00, 0x1f, b'\n'] {
        for len in 0..20 {
            for at in 0..len {
                let mut bytes = vec![b'a'; len];
                bytes[at] = special;
                // Later specials and bytes that only look close never move the first.
                for later in at + 1..len {
                    bytes[later] = [b'"', 0x00, 0x20, 0x7f, 0xff, b'!', b']'][later % 7];
                }
                assert_eq!(first_special(&bytes), Some(at), "{bytes:?}");
            }
        }
    }
    for clean in [
        &b""[..],
        b" !#[]^_\x7f\x80\xff\xe2\x82\xac",
        b"abcdefghijklmnopq",
    ] {
        assert_eq!(first_special(clean), None, "{clean:?}");
    }
}

#[test]
fn special_bytes_agree_with_the_byte_rule_on_every_byte_pair() {
    for a in 0..=255u8 {
        for b in 0..=255u8 {
            let bytes = [b'x', a, b'x', b'x', b'x', b'x', b, b'x'];
            let expected = bytes
                .iter()
                .position(|&c| c == b'"' || c == b'\\' || c < 0x20);
            assert_eq!(first_special(&bytes), expected, "{a:#x} {b:#x}");
        }
    }
}

/// Claim names inside the subset (no escapes), well-known claims among them.
pub(in crate::jose) const CLAIM_NAMES: [&str; 16] = [
    "sub",
    "iss",
    "aud",
    "exp",
    "nbf",
    "scp",
    "roles",
    "preferred_username",
    "ver",
    "x",
    "Exp",
    "é",
    "ключ",
    "",
    "a b/c",
    "\u{7f}",
];

/// String contents inside the subset.
const TEXTS: [&str; 9] = ["abc", "a b", "é", "ключ", "€", "@", "/", "'", "\u{7f}"];

/// Integers inside the subset: at most 18 digits, no `-0`.
const INTEGERS: [&str; 9] = [
    "0",
    "7",
    "-1",
    "1700000000",
    "-1700000000",
    "999999999999999999",
    "-999999999999999999",
    "100000000000000000",
    "123456789012345678",
];

/// Whitespace between tokens: mostly none, as tokens are minted.
const SPACES: [&str; 8] = ["", "", "", " ", "\t", "\n", "\r\n", " \t"];

/// Values just outside the subset, valid JSON or not (serde_json decides).
const EDGE_VALUES: [&str; 40] = [
    "01",
    "00",
    "-0",
    "-00",
    "-01",
    "-",
    "--1",
    "+1",
    "1.",
    "1.0",
    "0.5",
    ".5",
    "1e5",
    "1E5",
    "1e+5",
    "-1e-5",
    "1e400",
    "0x1",
    "1000000000000000000",
    "-1000000000000000000",
    "9223372036854775807",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "\"a\\u0000b\"",
    "\"a\\\"b\"",
    "\"\\u0073ub\"",
    "\"a\u{0}b\"",
    "\"a\tb\"",
    "\"a\nb\"",
    "\"\u{1f}\"",
    "\"unterminated",
    "{}",
    "{\"a\":1}",
    "[\"a\",1]",
    "[[\"a\"]]",
    "[\"a\",]",
    "[,]",
    "tru",
];

/// Bytes inserted anywhere.
const EDGE_BYTES: [&str; 12] = [
    ",", "}", "]", "[", "\"", ":", "\\", "\u{0}", "\u{1f}", " ", "x", "\u{feff}",
];

/// What may follow the object.
const TRAILERS: [&str; 8] = [" x", "{}", ",", "\u{0}", " \t\r\n", "}", "]", "\u{a0}"];

/// What may precede it.
const LEADERS: [&str; 5] = ["\u{feff}", " \t\r\n", "\u{a0}", "x", "\u{b}"];

fn pick<T: Clone + std::fmt::Debug + 'static>(items: &'static [T]) -> impl Strategy<Value = T> {
    prop::sample::select(items)
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(pick(&TEXTS), 0..3).prop_map(|t| format!("\"{}\"", t.concat()))
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        text(),
        pick(&INTEGERS).prop_map(str::to_owned),
        pick(&["true", "false", "null"]).prop_map(str::to_owned),
        (
            prop::collection::vec((text(), pick(&SPACES)), 0..4),
            pick(&SPACES)
        )
            .prop_map(|(items, before)| {
                let items: Vec<String> = items.iter().map(|(t, s)| format!("{s}{t}{s}")).collect();
                format!("[{before}{}]", items.join(","))
            }),
    ]
}

/// The members of a subset object, and the whitespace around its tokens.
type Members = Vec<(String, String, [&'static str; 4])>;

fn members(names: &'static [&'static str]) -> impl Strategy<Value = Members> {
    let spaces = [pick(&SPACES), pick(&SPACES), pick(&SPACES), pick(&SPACES)];
    let name = pick(names).prop_map(str::to_owned);
    prop::collection::vec((name, value(), spaces), 0..10)
}

fn object(members: &Members, around: &str) -> String {
    let members: Vec<String> = members
        .iter()
        .map(|(name, value, [a, b, c, d])| format!("{a}\"{name}\"{b}:{c}{value}{d}"))
        .collect();
    format!("{around}{{{}}}{around}", members.join(","))
}

/// `name` with its first character escaped (`\u0073ub` for `sub`).
fn escaped(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => format!("\\u{:04x}{}", u32::from(first), chars.as_str()),
        None => String::new(),
    }
}

/// One push over the subset's edge, chosen by `kind` (0–3: none).
fn edit(
    mut members: Members,
    around: &str,
    kind: u8,
    at: prop::sample::Index,
    pick: usize,
) -> String {
    let some_member = |members: &Members| at.index(members.len().max(1));
    match kind {
        4 if !members.is_empty() => {
            let i = some_member(&members);
            members[i].1 = EDGE_VALUES[pick % EDGE_VALUES.len()].to_owned();
        }
        5 if !members.is_empty() => {
            let name = &members[some_member(&members)].0;
            let again = if pick.is_multiple_of(2) {
                name.clone()
            } else {
                escaped(name)
            };
            members.push((again, "1".into(), ["", "", "", ""]));
        }
        _ => {}
    }
    let mut text = object(&members, around);
    let byte_at = |text: &String| {
        let mut i = at.index(text.len() + 1);
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    match kind {
        6 => text.insert_str(byte_at(&text), EDGE_BYTES[pick % EDGE_BYTES.len()]),
        7 => {
            let i = byte_at(&text);
            if let Some((start, _)) = text.char_indices().take_while(|(j, _)| *j <= i).last() {
                text.remove(start);
            }
        }
        8 => text.truncate(byte_at(&text)),
        9 => text.push_str(TRAILERS[pick % TRAILERS.len()]),
        10 => text.insert_str(0, LEADERS[pick % LEADERS.len()]),
        11 => text = text.replacen(':', " ", 1),
        12 => {
            if let Some(end) = text.rfind('}') {
                text.insert(end, ',');
            }
        }
        _ => {}
    }
    text
}

/// An object inside the subset, its names drawn from `names`, then maybe pushed over one of
/// the subset's edges; with `Some(distinct names)` when it was left as generated (then the
/// fast path must read it exactly when its names are distinct).
pub(in crate::jose) fn subset_object(
    names: &'static [&'static str],
) -> impl Strategy<Value = (String, Option<bool>)> {
    let edit_choice = (0..13u8, any::<prop::sample::Index>(), any::<usize>());
    (members(names), pick(&SPACES), edit_choice).prop_map(|(members, around, (kind, at, pick))| {
        let mut sorted: Vec<&str> = members.iter().map(|m| m.0.as_str()).collect();
        sorted.sort_unstable();
        let distinct = sorted.windows(2).all(|w| w[0] != w[1]);
        let text = edit(members, around, kind, at, pick);
        (text, (kind < 4).then_some(distinct))
    })
}

/// Objects with a member called `name` at and over the subset's edges, each with whether it
/// lies inside the subset (with distinct names).
pub(in crate::jose) fn edge_cases(name: &str) -> Vec<(String, bool)> {
    let is_space = |s: &str| s.bytes().all(|b| b" \t\r\n".contains(&b));
    let mut cases = Vec::new();
    for value in EDGE_VALUES {
        cases.push((format!("{{\"{name}\":\"x\",\"v\":{value}}}"), false));
        cases.push((format!("{{\"v\":[\"a\",{value}]}}"), false));
    }
    for around in TRAILERS.iter().chain(&LEADERS) {
        cases.push((format!("{around}{{\"{name}\":\"x\"}}"), is_space(around)));
        cases.push((format!("{{\"{name}\":\"x\"}}{around}"), is_space(around)));
    }
    let outside = [
        format!("{{\"{name}\":\"alice\",\"{name}\":\"admin\"}}"),
        format!("{{\"{name}\":\"alice\",\"{}\":\"admin\"}}", escaped(name)),
        format!(
            "{{\"{name}\":1,{},\"m0\":2}}",
            // Past the names compared on arrival: the repeat is found by sorting.
            (0..17)
                .map(|i| format!("\"m{i:x}\":1"))
                .collect::<Vec<_>>()
                .join(",")
        ),
        format!("{{\"{name}\":1,}}"),
        format!("{{\"{name}\" 1}}"),
        format!("{{\"{name}\":1 \"b\":2}}"),
        format!("{{\"{name}\":\"x}}"),
        format!("{{\"{name}\":1"),
        format!("{{\"{name}\""),
        format!("{{\"{name}\":[}}"),
        format!("{{\"{name}\":[\"x\"}}"),
        format!("{{\"{name}\":truex}}"),
        format!("{{\"{name}\":nul}}"),
        "{".into(),
        "{,}".into(),
        "{\"a\":1}}".into(),
        "".into(),
        "   ".into(),
        "[]".into(),
        "\"s\"".into(),
        "1".into(),
    ];
    cases.extend(outside.into_iter().map(|text| (text, false)));
    cases
}

#[test]
fn the_edge_cases_have_the_edges_they_claim() {
    let inside: Vec<String> = edge_cases("sub")
        .into_iter()
        .filter_map(|(text, inside)| inside.then_some(text))
        .collect();
    assert_eq!(inside.len(), 4, "{inside:?}");
    assert!(inside.iter().all(|text| text.trim() == "{\"sub\":\"x\"}"));
}
