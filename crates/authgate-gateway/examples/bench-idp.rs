//! The dev identity provider for `bench/gateway-vs-nginx.sh`: mints bearer tokens ahead of the
//! load test, writes them to files, then serves discovery and JWKS until it is stopped.
//!
//! ```text
//! cargo run --release -p authgate-gateway --example bench-idp -- \
//!     --listen 127.0.0.1:18093 --tokens 200000 --out /tmp/bench
//! ```
//!
//! Writes `OUT/one-token.txt` (one token), `OUT/tokens.txt` (`--tokens` distinct tokens, one per
//! line, each for its own subject) and finally `OUT/ready`. Every token is an Entra v2 access
//! token (RS256) for the dev tenant's API with scope `read_data`, valid for one hour. Tokens are
//! minted in this process so they are signed with the keys it then publishes.

use anyhow::{Context, bail};
use authgate_devidp::{DevIdp, Flavor, MintRequest};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Command-line options.
struct Args {
    listen: SocketAddr,
    tokens: usize,
    out: PathBuf,
}

impl Args {
    fn parse() -> anyhow::Result<Args> {
        let mut args = std::env::args().skip(1);
        let (mut listen, mut tokens, mut out) = (None, 1000, None);
        while let Some(flag) = args.next() {
            let value = args
                .next()
                .with_context(|| format!("{flag} needs a value"))?;
            match flag.as_str() {
                "--listen" => listen = Some(value.parse().context("--listen")?),
                "--tokens" => tokens = value.parse().context("--tokens")?,
                "--out" => out = Some(PathBuf::from(value)),
                other => bail!("unknown option {other}"),
            }
        }
        Ok(Args {
            listen: listen.context("--listen ADDR is required")?,
            tokens,
            out: out.context("--out DIR is required")?,
        })
    }
}

/// One token for `subject`.
fn mint(idp: &DevIdp, subject: &str) -> String {
    let req = MintRequest::new(Flavor::EntraV2)
        .subject(subject)
        .scopes(["read_data"]);
    idp.mint(&req)
}

/// `count` distinct tokens, minted on every core.
fn mint_many(idp: &DevIdp, count: usize) -> Vec<String> {
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    let chunks: Vec<Vec<String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                scope.spawn(move || {
                    (w..count)
                        .step_by(workers)
                        .map(|i| mint(idp, &format!("bench-user-{i}")))
                        .collect()
                })
            })
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    chunks.into_iter().flatten().collect()
}

fn write_lines(path: PathBuf, lines: &[String]) -> anyhow::Result<()> {
    let file = std::fs::File::create(&path).with_context(|| path.display().to_string())?;
    let mut file = std::io::BufWriter::new(file);
    for line in lines {
        writeln!(file, "{line}")?;
    }
    file.flush()?;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse()?;
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    let idp = DevIdp::new(&format!("http://{}", listener.local_addr()?));
    std::fs::create_dir_all(&args.out)?;
    write_lines(args.out.join("one-token.txt"), &[mint(&idp, "bench-user")])?;
    let started = std::time::Instant::now();
    let tokens = mint_many(&idp, args.tokens);
    eprintln!(
        "minted {} tokens in {:.1?}",
        tokens.len(),
        started.elapsed()
    );
    write_lines(args.out.join("tokens.txt"), &tokens)?;
    std::fs::write(args.out.join("ready"), "")?;
    let stop = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    idp.serve(listener, stop).await?;
    Ok(())
}
