//! `strata run SCRIPT`: one command per line, in order.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::Instant;

use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use strata_runtime::{Address, Runtime};

use crate::output::escape;
use crate::{Command, Done, Fatal, Store, print, run_command};

/// A script line, parsed like the command line.
#[derive(Parser, Debug)]
#[command(
    name = "strata",
    no_binary_name = true,
    disable_help_flag = true,
    disable_version_flag = true
)]
struct Line {
    #[command(subcommand)]
    command: Command,
}

/// Replaces `$N` and `${N}` (1-based) with the N-th deployed address.
/// `$N` takes every digit that follows; write `${1}00ff` to put digits
/// right after a reference.
fn substitute(token: &str, deployed: &[Address]) -> Result<String, Fatal> {
    let mut out = String::with_capacity(token.len());
    let mut rest = token;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (digits, tail) = if let Some(braced) = after.strip_prefix('{') {
            let close = braced
                .find('}')
                .ok_or_else(|| Fatal::msg(format!("{token:?}: `${{` without a closing `}}`")))?;
            (&braced[..close], &braced[close + 1..])
        } else {
            let len = after
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(after.len());
            (&after[..len], &after[len..])
        };
        if digits.is_empty() {
            out.push('$');
            rest = after;
            continue;
        }
        let n: usize = digits
            .parse()
            .map_err(|_| Fatal::msg(format!("${digits} is not a reference to a deploy")))?;
        let address = n
            .checked_sub(1)
            .and_then(|i| deployed.get(i))
            .ok_or_else(|| {
                Fatal::msg(format!(
                    "${n} refers to deploy number {n}, but only {} deploys ran so far",
                    deployed.len()
                ))
            })?;
        out.push_str(&address.to_hex());
        rest = tail;
    }
    out.push_str(rest);
    Ok(out)
}

/// Runs the script at `path`, printing to `out`. Each transaction commits
/// on its own, so an interrupted script leaves the store after its last
/// completed line. When `out` fails (a closed pipe, a full disk), the script
/// stops there: at a line's echo before the line runs, or at a receipt
/// after its transaction committed.
pub fn run(
    rt: &Runtime<Store>,
    path: &Path,
    json: bool,
    out: &mut dyn Write,
) -> Result<Done, Fatal> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Fatal::msg(format!("cannot read script {}: {e}", path.display())))?;
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let bar = (lines.len() >= 20 && std::io::stdout().is_terminal() && !json).then(|| {
        let bar = ProgressBar::new(lines.len() as u64);
        if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} {per_sec} eta {eta}")
        {
            bar.set_style(style);
        }
        bar
    });
    let quiet = bar.is_some();
    let started = Instant::now();
    let mut deployed = Vec::new();
    let (mut transactions, mut failures) = (0u64, 0u64);
    for (line_no, line) in lines {
        let so_far = if failures > 0 {
            Done::TxFailed
        } else {
            Done::Ok
        };
        let at = |e: Fatal| match e {
            Fatal::Message(m) => Fatal::msg(format!("{}:{line_no}: {m}", path.display())),
            Fatal::Output { error, done } => Fatal::output(error, done.and(so_far)),
        };
        let tokens: Vec<String> = line
            .split_whitespace()
            .map(|t| substitute(t, &deployed))
            .collect::<Result<_, _>>()
            .map_err(at)?;
        let parsed = Line::try_parse_from(&tokens).map_err(|e| {
            Fatal::msg(format!(
                "{}:{line_no}: {}",
                path.display(),
                first_line(&e.to_string())
            ))
        })?;
        let is_tx = matches!(parsed.command, Command::Deploy(_) | Command::Call(_));
        if !quiet && !json {
            print(out, so_far, |out| writeln!(out, "> {}", escape(line)))?;
        }
        let result = if quiet {
            // Keep the terminal for the progress bar: run the line, but only
            // report failures.
            run_command(
                rt,
                &parsed.command,
                json,
                &mut deployed,
                &mut std::io::sink(),
            )
        } else {
            run_command(rt, &parsed.command, json, &mut deployed, out)
        };
        match result.map_err(at)? {
            Done::Ok => {}
            Done::TxFailed => {
                failures += 1;
                if let Some(bar) = &bar {
                    bar.println(format!("line {line_no} failed: {}", escape(line)));
                }
            }
        }
        if is_tx {
            transactions += 1;
        }
        if let Some(bar) = &bar {
            bar.inc(1);
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let secs = started.elapsed().as_secs_f64();
    let tps = if secs > 0.0 {
        transactions as f64 / secs
    } else {
        0.0
    };
    let done = if failures > 0 {
        Done::TxFailed
    } else {
        Done::Ok
    };
    print(out, done, |out| {
        if json {
            writeln!(
                out,
                "{}",
                serde_json::json!({
                    "transactions": transactions,
                    "failures": failures,
                    "seconds": secs,
                    "tx_per_second": tps,
                })
            )
        } else {
            writeln!(
                out,
                "summary: {transactions} transactions, {failures} failed, {secs:.2} s, {tps:.1} tx/s"
            )
        }
    })
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s).trim_start_matches("error: ")
}
