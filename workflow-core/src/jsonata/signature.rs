//! Function signatures (`<s-nn?:s>`): argument checking, context substitution (`-`) and
//! wrapping of single values where an array is expected, as JSONata defines them.

use regex::Regex;

use super::value::{Type, Val};
use super::JsonataError;

#[derive(Debug)]
struct Param {
    /// The type letter (`s`, `n`, `a`, ...) or a choice like `(sf)`.
    ty: String,
    /// `-`: the context value stands in when the argument is missing.
    context: Option<Regex>,
    /// `a<n>`: the type of the array's items.
    subtype: Option<String>,
    /// `?`: may be left out.
    optional: bool,
}

/// A parsed signature, matched against the type letters of the actual arguments.
#[derive(Debug)]
pub(crate) struct Signature {
    params: Vec<Param>,
    regex: Regex,
    text: String,
}

/// The signature letter of a value.
fn symbol(v: &Val<'_>) -> char {
    match v.ty() {
        Type::Undef => 'm',
        Type::Null => 'l',
        Type::Bool => 'b',
        Type::Num => 'n',
        Type::Str => 's',
        Type::Arr => 'a',
        Type::Obj => 'o',
        Type::Func => 'f',
    }
}

impl Signature {
    /// Parses `<...>`; `pos` locates errors.
    pub fn parse(text: &str, pos: usize) -> Result<Signature, JsonataError> {
        let bad = |msg: &str| {
            JsonataError::new(
                "S0401",
                format!("{msg} in function signature `{text}`"),
                pos,
            )
        };
        let inner = text
            .strip_prefix('<')
            .and_then(|t| t.strip_suffix('>'))
            .ok_or_else(|| bad("missing `<` or `>`"))?;
        // the return type after a top-level `:` is not checked
        let mut depth = 0i32;
        let mut params_end = inner.len();
        for (i, ch) in inner.char_indices() {
            match ch {
                '<' => depth += 1,
                '>' => depth -= 1,
                ':' if depth == 0 => {
                    params_end = i;
                    break;
                }
                _ => {}
            }
        }
        let params_text = &inner[..params_end];
        let chars: Vec<char> = params_text.chars().collect();
        let mut params: Vec<Param> = Vec::new();
        let mut regexes: Vec<String> = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            match c {
                's' | 'n' | 'b' | 'l' | 'o' => {
                    params.push(Param {
                        ty: c.to_string(),
                        context: None,
                        subtype: None,
                        optional: false,
                    });
                    regexes.push(format!("[{c}m]"));
                }
                'a' => {
                    params.push(Param {
                        ty: "a".into(),
                        context: None,
                        subtype: None,
                        optional: false,
                    });
                    regexes.push("[asnblfom]".into());
                }
                'f' => {
                    params.push(Param {
                        ty: "f".into(),
                        context: None,
                        subtype: None,
                        optional: false,
                    });
                    regexes.push("f".into());
                }
                'j' => {
                    params.push(Param {
                        ty: "j".into(),
                        context: None,
                        subtype: None,
                        optional: false,
                    });
                    regexes.push("[asnblom]".into());
                }
                'x' => {
                    params.push(Param {
                        ty: "x".into(),
                        context: None,
                        subtype: None,
                        optional: false,
                    });
                    regexes.push("[asnblfom]".into());
                }
                '(' => {
                    let end = chars[i..]
                        .iter()
                        .position(|&ch| ch == ')')
                        .ok_or_else(|| bad("unclosed `(`"))?
                        + i;
                    let choice: String = chars[i + 1..end].iter().collect();
                    if choice.contains('<') {
                        return Err(bad("parameterised types are not supported in a choice"));
                    }
                    params.push(Param {
                        ty: format!("({choice})"),
                        context: None,
                        subtype: None,
                        optional: false,
                    });
                    regexes.push(format!("[{choice}m]"));
                    i = end;
                }
                '<' => {
                    let last = params.last_mut().ok_or_else(|| bad("`<` without a type"))?;
                    if last.ty != "a" && last.ty != "f" {
                        return Err(bad("type parameters apply only to `a` and `f`"));
                    }
                    let mut depth = 0;
                    let mut end = i;
                    for (j, &ch) in chars.iter().enumerate().skip(i) {
                        if ch == '<' {
                            depth += 1;
                        } else if ch == '>' {
                            depth -= 1;
                            if depth == 0 {
                                end = j;
                                break;
                            }
                        }
                    }
                    if end == i {
                        return Err(bad("unclosed `<`"));
                    }
                    last.subtype = Some(chars[i + 1..end].iter().collect());
                    i = end;
                }
                '-' => {
                    let last = regexes
                        .last_mut()
                        .ok_or_else(|| bad("`-` without a type"))?;
                    let context = Regex::new(&format!("^{last}$")).map_err(|_| bad("bad type"))?;
                    last.push('?');
                    params.last_mut().expect("same length").context = Some(context);
                }
                '?' | '+' => {
                    regexes
                        .last_mut()
                        .ok_or_else(|| bad("modifier without a type"))?
                        .push(c);
                    if c == '?' {
                        params.last_mut().expect("same length").optional = true;
                    }
                }
                _ => return Err(bad(&format!("unknown type `{c}`"))),
            }
            i += 1;
        }
        let pattern = format!(
            "^{}$",
            regexes.iter().map(|r| format!("({r})")).collect::<String>()
        );
        let regex = Regex::new(&pattern).map_err(|_| bad("bad signature"))?;
        Ok(Signature {
            params,
            regex,
            text: text.to_string(),
        })
    }

    /// Number of parameters that are not optional (what JavaScript's `Function.length`
    /// reports for a built-in, whose optional parameters have defaults).
    pub fn required(&self) -> usize {
        self.params.iter().filter(|p| !p.optional).count()
    }

    /// Checks `args` and returns them as the function receives them.
    pub fn validate<'a>(
        &self,
        name: &str,
        args: Vec<Val<'a>>,
        context: &Val<'a>,
        pos: usize,
    ) -> Result<Vec<Val<'a>>, JsonataError> {
        let supplied: String = args.iter().map(symbol).collect();
        let Some(caps) = self.regex.captures(&supplied) else {
            return Err(self.mismatch(name, &args, &supplied, pos));
        };
        let mut out = Vec::with_capacity(self.params.len());
        let mut index = 0;
        for (p, param) in self.params.iter().enumerate() {
            let matched = caps.get(p + 1).map(|m| m.as_str()).unwrap_or("");
            if matched.is_empty() {
                if let Some(context_regex) = &param.context {
                    if !context_regex.is_match(&symbol(context).to_string()) {
                        return Err(JsonataError::new(
                            "T0411",
                            format!("the context value is not a valid argument {} for function `{name}` (signature {})", index + 1, self.text),
                            pos,
                        ));
                    }
                    out.push(context.clone());
                } else {
                    out.push(args.get(index).cloned().unwrap_or(Val::Undef));
                    index += 1;
                }
                continue;
            }
            for single in matched.chars() {
                let arg = args.get(index).cloned().unwrap_or(Val::Undef);
                if param.ty == "a" && single != 'm' {
                    if let Some(sub) = &param.subtype {
                        let ok = if single == 'a' {
                            let mut items = arg.items();
                            match items.next() {
                                None => true,
                                Some(first) => {
                                    let t = symbol(&first);
                                    sub.starts_with(t) && items.all(|v| symbol(&v) == t)
                                }
                            }
                        } else {
                            matched == sub
                        };
                        if !ok {
                            return Err(JsonataError::new(
                                "T0412",
                                format!(
                                    "argument {} of function `{name}` must be an array of {}",
                                    index + 1,
                                    type_name(sub)
                                ),
                                pos,
                            ));
                        }
                    }
                    out.push(if single == 'a' {
                        arg
                    } else {
                        Val::array(vec![arg])
                    });
                } else {
                    out.push(arg);
                }
                index += 1;
            }
        }
        Ok(out)
    }

    fn mismatch(&self, name: &str, args: &[Val<'_>], supplied: &str, pos: usize) -> JsonataError {
        let message = if args.len() > self.params.len() && !self.regex.as_str().contains('+') {
            format!(
                "function `{name}` takes at most {} argument(s), got {} (signature {})",
                self.params.len(),
                args.len(),
                self.text
            )
        } else {
            format!(
                "the arguments of function `{name}` do not match its signature {} (argument types: {supplied})",
                self.text
            )
        };
        JsonataError::new("T0410", message, pos)
    }
}

fn type_name(sub: &str) -> &'static str {
    match sub.chars().next() {
        Some('s') => "strings",
        Some('n') => "numbers",
        Some('b') => "booleans",
        Some('o') => "objects",
        Some('a') => "arrays",
        Some('f') => "functions",
        _ => "values",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_substitution_and_array_wrapping() {
        let sig = Signature::parse("<s-:s>", 0).unwrap();
        let out = sig.validate("f", vec![], &Val::string("ctx"), 0).unwrap();
        assert_eq!(out[0].as_str(), Some("ctx"));
        let sig = Signature::parse("<a<n>:n>", 0).unwrap();
        let out = sig
            .validate("sum", vec![Val::Num(2.0)], &Val::Undef, 0)
            .unwrap();
        assert_eq!(out[0].len(), 1);
        let err = sig
            .validate(
                "sum",
                vec![Val::array(vec![Val::string("x")])],
                &Val::Undef,
                0,
            )
            .unwrap_err();
        assert_eq!(err.code, "T0412");
    }

    #[test]
    fn wrong_types_and_counts_are_t0410() {
        let sig = Signature::parse("<s-nn?:s>", 0).unwrap();
        assert_eq!(
            sig.validate("substring", vec![Val::Bool(true)], &Val::Undef, 0)
                .unwrap_err()
                .code,
            "T0410"
        );
        let args = vec![
            Val::string("a"),
            Val::Num(1.0),
            Val::Num(1.0),
            Val::Num(1.0),
        ];
        assert_eq!(
            sig.validate("substring", args, &Val::Undef, 0)
                .unwrap_err()
                .code,
            "T0410"
        );
    }
}
