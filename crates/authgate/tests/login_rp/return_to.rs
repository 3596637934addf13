//! Where the browser goes after sign-in (security.md §3.4): only local paths or allow-listed
//! origins; everything else silently becomes the default, never an error page.

use crate::support::Rp;
use authgate::login::LoginConfig;

async fn rp() -> Rp {
    let config = LoginConfig {
        default_return_to: "/welcome".into(),
        allowed_return_origins: vec!["https://docs.example.com".into()],
        ..LoginConfig::default()
    };
    Rp::start_with(config, |_| {}).await
}

/// Signs in with `return_to` and returns where the sign-in would send the browser.
async fn destination(rp: &Rp, return_to: &str) -> String {
    let round = rp.authorize("oidc", None, Some(return_to)).await;
    let done = rp
        .login
        .complete("oidc", &round.query, Some(&round.binding()))
        .await
        .unwrap();
    done.return_to
}

async fn assert_all_default(rp: &Rp, payloads: &[String]) {
    for payload in payloads {
        assert_eq!(destination(rp, payload).await, "/welcome", "{payload:?}");
    }
}

/// The BCP-18/19/20 corpus (oauth2-proxy validator tests, mod_auth_openidc payload list),
/// plus each one with its `/` and `\` percent-encoded once, twice, three and four times.
fn open_redirects() -> Vec<String> {
    let base = [
        "//evil.com",
        "/\\evil.com",
        "/ /evil.com",
        "/\t/evil.com",
        "/\u{b}\\evil.com",
        "/\n/evil.com",
        "/\r\\evil.com",
        "/\t\t/\t\t\\evil.com",
        "/./\\evil.com",
        "/./../../\\evil.com",
        "/%09/example.com",
        "/%2f%2fexample.com",
        "/%5cexample.com",
        "////\\;@example.com",
        "///evil.com",
        "\\\\evil.com",
        "/\\/evil.com",
        "/%2F/evil.com",
        "/%5C/evil.com",
        "/%0a/evil.com",
        "/%0d/evil.com",
        "/%00/evil.com",
        "/%E3%80%80/evil.com",
        "/..//evil.com",
        "/a/../..//evil.com",
        "/.%2e/%2f/evil.com",
        "https://www.whitelisteddomain.tld@google.com/%2f..",
        "https://docs.example.com@evil.com/",
        "https://docs.example.com.evil.com/",
        "https://foo.bar.evil.corp/",
        "http://evil.corp/redirect?rd=foo.bar",
        "http://docs.example.com/",
        "https://docs.example.com:8443/",
        "docs.example.com/redirect",
        "evil.com",
        "https:evil.com",
        "https:/evil.com",
        "//docs.example.com",
        "ftp://docs.example.com/",
        "\u{3000}/evil.com",
        " /home",
    ];
    let mut all: Vec<String> = base.iter().map(|s| (*s).to_owned()).collect();
    for s in base {
        all.push(s.replace('/', "%2f").replacen("%2f", "/", 1));
        all.push(s.replace('\\', "%5c"));
        all.push(s.replace('/', "%252f").replacen("%252f", "/", 1));
        all.push(s.replace('\\', "%255c"));
        all.push(s.replace('/', "%25252f").replacen("%25252f", "/", 1));
        all.push(s.replace('\\', "%25255c"));
        all.push(s.replace('/', "%2525252f").replacen("%2525252f", "/", 1));
        all.push(s.replace('\\', "%2525255c"));
    }
    all.retain(|s| s != "/");
    all
}

#[tokio::test]
async fn bcp18_open_redirect_payloads() {
    let rp = rp().await;
    assert_all_default(&rp, &open_redirects()).await;
}

#[tokio::test]
async fn bcp20_layered_encodings_and_mod_auth_openidc_payloads() {
    let rp = rp().await;
    let payloads: Vec<String> = [
        // Every decoded layer is checked, however deep (the third layer used to pass).
        "/%25252f%25252fevil.com",
        "/%2525252f%2525252fevil.com",
        "/%25255cevil.com",
        "/%2525255c%2525255cevil.com",
        "/%252525252f%252525252fevil.com",
        "/%25252e%25252e/%25252e%25252e//evil.com",
        "/%2525252e%2525252e%2525252fevil.com",
        "/%25250d%25250aSet-Cookie:x=1",
        "/%252509/evil.com",
        "/%25252500/evil.com",
        // mod_auth_openidc's open-redirect list (oidc_validate_redirect_url tests).
        "/%09/evil.com",
        "/%5c%5cevil.com",
        "/%2f%5cevil.com",
        "/%5c/evil.com",
        "/%2e%2e/%2f%2fevil.com",
        "/%2e/%2f/evil.com",
        "/%C0%AF%C0%AFevil.com",
        "/%u002f%u002fevil.com",
        "/%",
        "/%2",
        "/%25",
        "https://app.example.com%2f@evil.com/",
        "https://evil.com%23.docs.example.com/",
        "https://evil.com\\@docs.example.com/",
        "https://evil.com?@docs.example.com/",
        "https:///evil.com",
        "http:/\\/evil.com",
        ":/evil.com",
        "%2f%2fevil.com",
        "%2525252f%2525252fevil.com",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    assert_all_default(&rp, &payloads).await;
}

#[tokio::test]
async fn bcp21_scripts() {
    let rp = rp().await;
    let payloads: Vec<String> = [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "%6a%61vascript:alert(1)",
        "java%0ascript:alert(1)",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "/\"><script>alert(1)</script>",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    for payload in &payloads {
        let got = destination(&rp, payload).await;
        assert!(
            got == "/welcome" || (got.starts_with('/') && !got.contains('<')),
            "{payload:?} -> {got}"
        );
    }
}

#[tokio::test]
async fn bcp24_too_long() {
    let rp = rp().await;
    let long = format!("/{}", "a".repeat(2048));
    assert_eq!(destination(&rp, &long).await, "/welcome");
    let fits = format!("/{}", "a".repeat(2000));
    assert_eq!(destination(&rp, &fits).await, fits);
}

#[tokio::test]
async fn local_paths_and_allowed_origins_are_kept() {
    let rp = rp().await;
    for ok in [
        "/orders?id=7#top",
        "/a/b/c",
        "/caf%C3%A9",
        "https://docs.example.com/guide",
        "http://127.0.0.1:18080/local",
    ] {
        assert_eq!(destination(&rp, ok).await, ok);
    }
}
