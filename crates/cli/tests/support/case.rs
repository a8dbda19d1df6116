//! Loading a recorded golden case from `fixtures/golden/<case>/`.

use std::fs;
use std::path::{Path, PathBuf};

/// The folder holding the golden cases.
pub(crate) fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/golden")
}

/// A recorded case: its command lines, inputs and what cfssl printed.
#[derive(Debug)]
pub(crate) struct Case {
    /// Folder name, e.g. `leaf-policies`.
    pub(crate) name: String,
    /// The folder itself.
    pub(crate) dir: PathBuf,
    /// Command lines, one per step.
    pub(crate) steps: Vec<String>,
    /// Names of the input files (copied into the working folder first).
    pub(crate) inputs: Vec<String>,
    /// What each step printed and returned under cfssl, in step order.
    pub(crate) recorded: Vec<Recorded>,
}

/// The recorded result of one step.
#[derive(Debug, Clone)]
pub(crate) struct Recorded {
    pub(crate) stdout: Vec<u8>,
    pub(crate) stderr: Vec<u8>,
    pub(crate) rc: i32,
}

impl Case {
    /// Loads the case `name`. A missing folder or a malformed record is an error:
    /// a replay must never pass for want of data.
    pub(crate) fn load(name: &str) -> Result<Self, String> {
        let dir = fixtures_dir().join(name);
        if !dir.is_dir() {
            return Err(format!("golden case folder {} is missing", dir.display()));
        }
        let read = |file: &str| {
            fs::read(dir.join(file)).map_err(|e| format!("{name}/{file}: cannot read: {e}"))
        };
        let cmd = String::from_utf8(read("cmd")?).map_err(|e| format!("{name}/cmd: {e}"))?;
        let steps = split_steps(&cmd);
        let inputs = String::from_utf8(read("inputs")?)
            .map_err(|e| format!("{name}/inputs: {e}"))?
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(str::to_owned)
            .collect();
        let mut recorded = Vec::new();
        for step in 1..=steps.len() {
            let rc = String::from_utf8_lossy(&read(&format!("{step}.rc"))?)
                .trim()
                .to_owned();
            recorded.push(Recorded {
                stdout: read(&format!("{step}.stdout"))?,
                stderr: read(&format!("{step}.stderr"))?,
                rc: rc
                    .parse()
                    .map_err(|_| format!("{name}/{step}.rc: not a number: {rc:?}"))?,
            });
        }
        let extra = steps.len() + 1;
        if dir.join(format!("{extra}.rc")).exists() {
            return Err(format!(
                "{name}: cmd splits into {} steps but {extra}.rc exists",
                steps.len()
            ));
        }
        Ok(Self {
            name: name.to_owned(),
            dir,
            steps,
            inputs,
            recorded,
        })
    }

    /// Names of the files the steps wrote under cfssl: everything in the folder
    /// except the inputs and the record (`cmd`, `inputs`, `N.*`).
    pub(crate) fn written_files(&self) -> Vec<String> {
        list_files(&self.dir)
            .into_iter()
            .filter(|name| !self.inputs.contains(name) && !is_record_file(name))
            .collect()
    }
}

/// Splits a `cmd` file into steps: one line per step, except that a `{` line
/// opens a group that runs up to its closing `}` line as a single step, and a
/// here-document (`<<EOF` … `EOF`) continues its step (the etcd lab uses both;
/// its here-documents hold JSON with `{` and `}` lines of their own). Blank
/// lines between steps are ignored.
pub(crate) fn split_steps(cmd: &str) -> Vec<String> {
    let mut steps = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    let mut depth = 0usize;
    let mut heredoc: Option<String> = None;
    for line in cmd.lines() {
        if let Some(delimiter) = &heredoc {
            current.push(line);
            if line == delimiter {
                heredoc = None;
            }
        } else {
            if current.is_empty() && line.trim().is_empty() {
                continue;
            }
            current.push(line);
            match line {
                "{" => depth += 1,
                "}" => depth = depth.saturating_sub(1),
                _ => heredoc = heredoc_delimiter(line),
            }
        }
        if depth == 0 && heredoc.is_none() {
            steps.push(current.join("\n"));
            current.clear();
        }
    }
    if !current.is_empty() {
        steps.push(current.join("\n"));
    }
    steps
}

/// The delimiter of a here-document started on `line` (`<<EOF`, `<< 'EOF'`,
/// `<<-"EOF"`), if any.
fn heredoc_delimiter(line: &str) -> Option<String> {
    let (_, rest) = line.split_once("<<")?;
    let rest = rest.strip_prefix('-').unwrap_or(rest).trim_start();
    let word: String = rest
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != ';')
        .collect();
    let word = word.trim_matches(|c| c == '\'' || c == '"');
    (!word.is_empty()).then(|| word.to_owned())
}

/// Whether `name` is part of the record rather than something a step wrote:
/// `cmd`, `inputs`, `N.stdout`, `N.stderr`, `N.rc` and the `N.<field>.txt` dumps.
pub(crate) fn is_record_file(name: &str) -> bool {
    if name == "cmd" || name == "inputs" {
        return true;
    }
    let Some((step, rest)) = name.split_once('.') else {
        return false;
    };
    if step.is_empty() || !step.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    matches!(rest, "stdout" | "stderr" | "rc")
        || rest.strip_suffix(".txt").is_some_and(|field| {
            !field.is_empty() && field.bytes().all(|b| b.is_ascii_alphabetic())
        })
}

/// Sorted names of the regular files in `dir`.
pub(crate) fn list_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|entry| entry.file_type().is_ok_and(|t| t.is_file()))
                .filter_map(|entry| entry.file_name().into_string().ok())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}
