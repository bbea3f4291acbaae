//! Reading module-level string assignments out of a KohakuRiver config file, which
//! is Python, without ever executing it.
//!
//! Only `NAME = "x"` and `NAME: str = "x"` at column 0 count. A value that is not a
//! single plain string literal is reported as [`PyValue::Unknown`] with its source
//! text, so the caller can say "could not read SHARED_DIR (`os.environ[...]`)".

use std::collections::BTreeMap;

/// The value of one module-level assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PyValue {
    /// A plain string literal, escapes decoded.
    Str(String),
    /// Anything else (an f-string, a name, a call, a concatenation, a triple-quoted
    /// string...): the raw expression text, comments stripped.
    Unknown(String),
}

/// Every module-level assignment in `text`, the later one winning (as in Python).
pub fn parse_assignments(text: &str) -> BTreeMap<String, PyValue> {
    parse_config(text)
        .assignments
        .into_iter()
        .map(|(name, a)| (name, a.value))
        .collect()
}

/// One module-level assignment and the 1-based line its statement starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub value: PyValue,
    pub line: usize,
}

/// Why Python would refuse the file, and where (1-based line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxProblem {
    pub line: usize,
    pub message: String,
}

/// A config file read without executing it: its module-level assignments (the
/// later one winning) and what makes it unloadable for Python (an unterminated
/// string, an unclosed or unmatched bracket). A file with syntax problems still
/// gives the assignments this reader could recover; callers decide whether to
/// trust them (KohakuRiver itself cannot load such a file).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedConfig {
    pub assignments: BTreeMap<String, Assignment>,
    pub syntax: Vec<SyntaxProblem>,
}

/// Parses `text` (already decoded) into assignments with lines and syntax problems.
pub fn parse_config(text: &str) -> ParsedConfig {
    let mut out = ParsedConfig::default();
    let (stmts, syntax) = statements(text);
    out.syntax = syntax;
    for stmt in stmts {
        if stmt.indented {
            // Inside `if`/`def`/`class`: it may never run, so it does not count.
            continue;
        }
        if let Some((targets, value)) = assignment(&stmt.text) {
            for target in targets {
                out.assignments.insert(
                    target,
                    Assignment {
                        value: value.clone(),
                        line: stmt.line,
                    },
                );
            }
        }
    }
    out
}

/// One simple statement: a logical line, or a piece of one split at `;`.
struct Statement {
    /// The logical line it belongs to starts with whitespace.
    indented: bool,
    /// 1-based line of its first character.
    line: usize,
    /// The text with comments removed, line continuations joined, and newlines inside
    /// brackets turned into spaces. String literals are kept verbatim.
    text: String,
}

/// Splits Python source into simple statements, tracking strings (so `#`, `;` and
/// brackets inside them do not count), brackets, comments and `\` continuations,
/// and reports what would make Python refuse the file.
fn statements(text: &str) -> (Vec<Statement>, Vec<SyntaxProblem>) {
    let text = text
        .strip_prefix('\u{feff}')
        .unwrap_or(text)
        .replace("\r\n", "\n");
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let mut cur = String::new();
    let mut indented: Option<bool> = None;
    let mut start_line = 1;
    // Open brackets: (char, line), innermost last.
    let mut open: Vec<(char, usize)> = Vec::new();
    let mut quote: Option<(char, bool, usize)> = None; // (quote char, triple, line)
    let mut line = 1;
    let mut i = 0;
    let finish = |cur: &mut String, indented: Option<bool>, at: usize, out: &mut Vec<Statement>| {
        if !cur.trim().is_empty() {
            out.push(Statement {
                indented: indented.unwrap_or(false),
                line: at,
                text: std::mem::take(cur),
            });
        }
        cur.clear();
    };
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if c == '\n' {
            line += 1;
        }
        if let Some((q, triple, opened)) = quote {
            cur.push(c);
            if c == '\\' {
                // In every kind of string a backslash keeps the next character from
                // ending it (raw strings included).
                if let Some(&next) = chars.get(i) {
                    cur.push(next);
                    i += 1;
                    if next == '\n' {
                        line += 1;
                    }
                }
            } else if c == '\n' && !triple {
                // Unterminated string: Python refuses the file; recover here so the
                // rest can still be shown.
                problems.push(SyntaxProblem {
                    line: opened,
                    message: "unterminated string literal".into(),
                });
                quote = None;
                open.clear();
                finish(&mut cur, indented, start_line, &mut out);
                indented = None;
            } else if c == q && !triple {
                quote = None;
            } else if c == q && chars.get(i) == Some(&q) && chars.get(i + 1) == Some(&q) {
                cur.push(q);
                cur.push(q);
                i += 2;
                quote = None;
            }
            continue;
        }
        if indented.is_none() {
            if c == '\n' {
                continue;
            }
            indented = Some(matches!(c, ' ' | '\t' | '\x0c'));
            start_line = line;
        }
        match c {
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '\'' | '"' => {
                cur.push(c);
                let triple = chars.get(i) == Some(&c) && chars.get(i + 1) == Some(&c);
                if triple {
                    cur.push(c);
                    cur.push(c);
                    i += 2;
                } else if chars.get(i) == Some(&c) {
                    // An empty string `""`: opened and closed at once.
                    cur.push(c);
                    i += 1;
                    continue;
                }
                quote = Some((c, triple, line));
            }
            '(' | '[' | '{' => {
                open.push((c, line));
                cur.push(c);
            }
            ')' | ']' | '}' => {
                let want = match c {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                match open.pop() {
                    Some((o, _)) if o == want => {}
                    Some((o, at)) => problems.push(SyntaxProblem {
                        line,
                        message: format!("closing '{c}' does not match '{o}' opened on line {at}"),
                    }),
                    None => problems.push(SyntaxProblem {
                        line,
                        message: format!("unmatched '{c}'"),
                    }),
                }
                cur.push(c);
            }
            '\\' if chars.get(i) == Some(&'\n') => {
                i += 1;
                line += 1;
            }
            ';' if open.is_empty() => finish(&mut cur, indented, start_line, &mut out),
            '\n' if open.is_empty() => {
                finish(&mut cur, indented, start_line, &mut out);
                indented = None;
            }
            '\n' => cur.push(' '),
            _ => cur.push(c),
        }
    }
    if let Some((_, triple, opened)) = quote {
        problems.push(SyntaxProblem {
            line: opened,
            message: if triple {
                "unterminated triple-quoted string (it runs to the end of the file)".into()
            } else {
                "unterminated string literal".into()
            },
        });
    }
    if let Some(&(o, at)) = open.first() {
        problems.push(SyntaxProblem {
            line: at,
            message: format!("'{o}' was never closed (it runs to the end of the file)"),
        });
    }
    finish(&mut cur, indented, start_line, &mut out);
    (out, problems)
}

/// Hard keywords only: `match`, `case` and `type` are soft and may be assigned to.
const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// `NAME` at the start of `s` (not a keyword), and the rest.
fn identifier(s: &str) -> Option<(&str, &str)> {
    let end = s
        .char_indices()
        .find(|&(i, c)| !(c == '_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit())))
        .map_or(s.len(), |(i, _)| i);
    let name = &s[..end];
    if name.is_empty() || KEYWORDS.contains(&name) {
        return None;
    }
    Some((name, &s[end..]))
}

/// `s` starts with a lone `=` (not `==`): the rest after it.
fn after_equals(s: &str) -> Option<&str> {
    let rest = s.strip_prefix('=')?;
    (!rest.starts_with('=')).then_some(rest)
}

const AUGMENTED: &[&str] = &[
    "+=", "-=", "*=", "/=", "//=", "%=", "@=", "&=", "|=", "^=", ">>=", "<<=", "**=",
];

/// Parses `A = "x"`, `A: str = "x"` and `A = B = "x"`.
fn assignment(stmt: &str) -> Option<(Vec<String>, PyValue)> {
    let (name, rest) = identifier(stmt.trim_start())?;
    let rest = rest.trim_start();
    let value = if let Some(annotated) = rest.strip_prefix(':') {
        // `NAME: annotation = value`; a bare annotation assigns nothing.
        let eq = annotated
            .char_indices()
            .find(|&(i, c)| c == '=' && !annotated[i + 1..].starts_with('='))?
            .0;
        &annotated[eq + 1..]
    } else if let Some(op) = AUGMENTED.iter().find(|op| rest.starts_with(**op)) {
        // `SHARED_DIR += "/x"` changes the value in a way we do not evaluate.
        let raw = format!("{name} {op} {}", rest[op.len()..].trim());
        return Some((vec![name.to_string()], PyValue::Unknown(raw)));
    } else {
        after_equals(rest)?
    };
    let mut targets = vec![name.to_string()];
    let mut value = value.trim();
    // Chained assignment: `A = B = "x"` gives both names the value.
    while let Some((next, rest)) = identifier(value) {
        match after_equals(rest.trim_start()) {
            Some(after) => {
                targets.push(next.to_string());
                value = after.trim();
            }
            None => break,
        }
    }
    let parsed = match string_literal(value) {
        Some(s) => PyValue::Str(s),
        None => PyValue::Unknown(value.to_string()),
    };
    Some((targets, parsed))
}

/// A single, complete, plain string literal: `"x"`, `'x'`, `u"x"` or `r"x"`.
/// Anything else (f/b prefixes, triple quotes, trailing code) gives `None`.
pub(crate) fn string_literal(value: &str) -> Option<String> {
    let prefix_len = value
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(value.len());
    let raw = match value[..prefix_len].to_ascii_lowercase().as_str() {
        "" | "u" => false,
        "r" => true,
        _ => return None,
    };
    let body = &value[prefix_len..];
    let quote = body.chars().next().filter(|c| matches!(c, '\'' | '"'))?;
    if body[1..].starts_with(quote) && body[2..].starts_with(quote) {
        return None; // triple-quoted
    }
    let mut out = String::new();
    let mut chars = body[1..].chars();
    while let Some(c) = chars.next() {
        match c {
            c if c == quote => {
                return chars.as_str().trim().is_empty().then_some(out);
            }
            '\n' => return None,
            '\\' if raw => {
                // Raw strings keep the backslash; it only stops a quote from ending them.
                out.push('\\');
                out.push(chars.next()?);
            }
            '\\' => escape(&mut chars, &mut out)?,
            c => out.push(c),
        }
    }
    None // unterminated
}

/// Decodes one escape after a backslash, the way Python does for str literals.
fn escape(chars: &mut std::str::Chars<'_>, out: &mut String) -> Option<()> {
    let c = chars.next()?;
    let simple = match c {
        '\n' => return Some(()), // backslash-newline: continues the string
        '\\' => '\\',
        '\'' => '\'',
        '"' => '"',
        'n' => '\n',
        't' => '\t',
        'r' => '\r',
        'a' => '\x07',
        'b' => '\x08',
        'f' => '\x0c',
        'v' => '\x0b',
        '0'..='7' => {
            let mut code = c.to_digit(8)?;
            for _ in 0..2 {
                let mut peek = chars.clone();
                match peek.next().and_then(|d| d.to_digit(8)) {
                    Some(d) => {
                        code = code * 8 + d;
                        *chars = peek;
                    }
                    None => break,
                }
            }
            char::from_u32(code)?
        }
        'x' | 'u' | 'U' => {
            let digits = match c {
                'x' => 2,
                'u' => 4,
                _ => 8,
            };
            let hex: String = chars.take(digits).collect();
            if hex.len() != digits {
                return None;
            }
            char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?
        }
        // `\N{NAME}` needs the Unicode name table: not worth guessing.
        'N' => return None,
        other => {
            // Python keeps unknown escapes verbatim (with a warning).
            out.push('\\');
            other
        }
    };
    out.push(simple);
    Some(())
}
