//! Attributes shared by `#[task]` and `#[workflow]`: retry policies, doc comments, state names.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Expr, Lit};
use workflow_core::error::names;

/// An error named in `errors = [..]`.
#[derive(Clone)]
pub enum ErrorRef {
    /// A variant of the task's error enum, checked by rustc (`PaymentError::Declined`).
    Variant(syn::Path),
    /// A predefined or service error name (`"States.Timeout"`, `"Lambda.ServiceException"`).
    Name(String),
}

impl ErrorRef {
    /// The ASL error name.
    pub fn asl_name(&self) -> String {
        match self {
            ErrorRef::Variant(p) => p
                .segments
                .last()
                .map(|s| s.ident.to_string())
                .unwrap_or_default(),
            ErrorRef::Name(n) => n.clone(),
        }
    }
}

/// A retry policy as written.
#[derive(Clone)]
pub struct RetrySpec {
    /// The errors retried (`States.ALL` when none are named).
    pub errors: Vec<ErrorRef>,
    interval: Option<u64>,
    max_attempts: Option<u64>,
    backoff: Option<f64>,
    max_delay: Option<u64>,
    jitter: bool,
}

/// The predefined names a string in `errors = [..]` may use.
const PREDEFINED: &[&str] = &[
    names::ALL,
    names::TASK_FAILED,
    names::TIMEOUT,
    names::HEARTBEAT_TIMEOUT,
    names::RUNTIME,
    names::DATA_LIMIT_EXCEEDED,
    names::BRANCH_FAILED,
    names::PERMISSIONS,
    names::RESULT_PATH_MATCH_FAILURE,
    names::PARAMETER_PATH_FAILURE,
    names::INTRINSIC_FAILURE,
];

/// Parses `errors = [A::B, "States.Timeout"]`.
pub fn parse_errors(meta: &ParseNestedMeta) -> syn::Result<Vec<ErrorRef>> {
    let value: Expr = meta.value()?.parse()?;
    let Expr::Array(arr) = &value else {
        return Err(syn::Error::new_spanned(
            &value,
            "expected a list of errors: `errors = [MyError::Variant, \"States.Timeout\"]`",
        ));
    };
    let mut out = Vec::new();
    for e in &arr.elems {
        match e {
            Expr::Path(p) if p.path.segments.len() >= 2 => {
                out.push(ErrorRef::Variant(p.path.clone()))
            }
            Expr::Lit(l) => {
                match &l.lit {
                    Lit::Str(s) => {
                        let name = s.value();
                        if name.starts_with("States.") && !PREDEFINED.contains(&name.as_str()) {
                            return Err(syn::Error::new_spanned(
                            s,
                            format!("`{name}` is not a predefined error; the `States.` errors are {}", PREDEFINED.join(", ")),
                        ));
                        }
                        if !name.contains('.') {
                            return Err(syn::Error::new_spanned(
                            s,
                            format!("name the error `{name}` as a variant of the task's error enum (`MyError::{name}`), so rustc can check the task raises it; strings are for `States.*` and service errors such as `Lambda.ServiceException`"),
                        ));
                        }
                        out.push(ErrorRef::Name(name));
                    }
                    _ => {
                        return Err(syn::Error::new_spanned(
                            l,
                            "expected an error variant path or a string",
                        ))
                    }
                }
            }
            other => return Err(syn::Error::new_spanned(
                other,
                "expected an error variant (`MyError::Timeout`) or a string (`\"States.Timeout\"`)",
            )),
        }
    }
    Ok(out)
}

fn int(meta: &ParseNestedMeta) -> syn::Result<u64> {
    let lit: syn::LitInt = meta.value()?.parse()?;
    lit.base10_parse()
}

impl RetrySpec {
    /// Parses the inside of `retry(..)`.
    pub fn parse(meta: &ParseNestedMeta) -> syn::Result<RetrySpec> {
        let mut r = RetrySpec {
            errors: Vec::new(),
            interval: None,
            max_attempts: None,
            backoff: None,
            max_delay: None,
            jitter: false,
        };
        meta.parse_nested_meta(|m| {
            if m.path.is_ident("errors") {
                r.errors = parse_errors(&m)?;
            } else if m.path.is_ident("interval") {
                r.interval = Some(int(&m)?);
            } else if m.path.is_ident("max_attempts") {
                r.max_attempts = Some(int(&m)?);
            } else if m.path.is_ident("max_delay") {
                r.max_delay = Some(int(&m)?);
            } else if m.path.is_ident("backoff") {
                let lit: syn::LitFloat = m.value()?.parse()?;
                let v: f64 = lit.base10_parse()?;
                if v < 1.0 {
                    return Err(syn::Error::new_spanned(lit, "`backoff` must be at least 1.0"));
                }
                r.backoff = Some(v);
            } else if m.path.is_ident("jitter") {
                r.jitter = true;
            } else {
                return Err(m.error("unknown retry setting; expected `errors`, `interval`, `max_attempts`, `backoff`, `max_delay` or `jitter`"));
            }
            Ok(())
        })?;
        Ok(r)
    }

    /// The IR value.
    pub fn to_retry(&self) -> crate::ir::Retry {
        crate::ir::Retry {
            errors: self.error_names(),
            interval_seconds: self.interval,
            max_attempts: self.max_attempts,
            backoff_rate: self.backoff,
            max_delay_seconds: self.max_delay,
            jitter: self.jitter,
        }
    }

    /// `ErrorEquals`: the errors named, or `States.ALL` when none is.
    fn error_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.errors.iter().map(ErrorRef::asl_name).collect();
        if names.is_empty() {
            names.push(names::ALL.to_owned());
        }
        names
    }

    /// The IR builder expression (`Retry::on([..])...`).
    pub fn to_ir(&self) -> TokenStream {
        let names = self.error_names();
        let mut t = quote!(::workflow_codegen::Retry::on([#(#names),*]));
        if let Some(n) = self.interval {
            t.extend(quote!(.interval_seconds(#n)));
        }
        if let Some(n) = self.max_attempts {
            t.extend(quote!(.max_attempts(#n)));
        }
        if let Some(n) = self.backoff {
            t.extend(quote!(.backoff_rate(#n)));
        }
        if let Some(n) = self.max_delay {
            t.extend(quote!(.max_delay_seconds(#n)));
        }
        if self.jitter {
            t.extend(quote!(.jitter()));
        }
        t
    }
}

/// A check that each variant named in `errors` is a variant of the error type of
/// `error_value` (an expression of that type): a `match` whose patterns rustc resolves
/// against it, so `PaymentError::Timeout` on a task that cannot raise it fails at that path.
pub fn variant_check(error_value: TokenStream, errors: &[ErrorRef]) -> TokenStream {
    let pats: Vec<TokenStream> = errors
        .iter()
        .filter_map(|e| match e {
            ErrorRef::Variant(p) => Some(quote_spanned!(p.span()=> #p { .. } => {})),
            ErrorRef::Name(_) => None,
        })
        .collect();
    if pats.is_empty() {
        return TokenStream::new();
    }
    quote! {
        #[allow(unreachable_patterns, unreachable_code)]
        match #error_value {
            #(#pats)*
            _ => {}
        }
    }
}

/// The text of `///` doc comments, lines joined with spaces.
pub fn doc_comment(attrs: &[syn::Attribute]) -> Option<String> {
    let mut lines = Vec::new();
    for a in attrs {
        if !a.path().is_ident("doc") {
            continue;
        }
        if let syn::Meta::NameValue(nv) = &a.meta {
            if let Expr::Lit(syn::ExprLit {
                lit: Lit::Str(s), ..
            }) = &nv.value
            {
                let line = s.value();
                let line = line.trim();
                if !line.is_empty() {
                    lines.push(line.to_owned());
                }
            }
        }
    }
    (!lines.is_empty()).then(|| lines.join(" "))
}

/// `snake_case` -> `PascalCase`.
pub fn pascal(name: &str) -> String {
    name.split('_')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect::<String>(),
                None => String::new(),
            }
        })
        .collect()
}
