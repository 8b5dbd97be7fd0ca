//! `#[task]`: the fn stays untouched; a companion `__task_<fn>` implements
//! [`Task`](crate::Task) with the fn's input, output and error types, its settings, and a
//! JSON handler that calls it.

use super::attrs::{doc_comment, variant_check, RetrySpec};
use super::errors::Ctxt;
use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{FnArg, GenericArgument, ItemFn, PathArguments, ReturnType, Type};

/// The settings of `#[task(..)]`.
#[derive(Default)]
struct TaskAttrs {
    resource: Option<String>,
    timeout: Option<u64>,
    heartbeat: Option<(u64, proc_macro2::Span)>,
    retry: Vec<RetrySpec>,
    warm: Option<WarmSpec>,
    /// `init = path`: the function building one instance's state.
    init: Option<syn::Path>,
}

/// `warm(concurrency = N, schedule = "..", peak = "..", peak_concurrency = M)`: how to keep
/// the task's Lambda function warm (serverless-plugin-warmup).
#[derive(Default)]
struct WarmSpec {
    concurrency: Option<u32>,
    schedule: Option<String>,
    peak: Option<(String, u32)>,
}

impl WarmSpec {
    fn parse(meta: &syn::meta::ParseNestedMeta) -> syn::Result<WarmSpec> {
        let mut w = WarmSpec::default();
        let mut peak: Option<syn::LitStr> = None;
        let mut peak_concurrency: Option<syn::LitInt> = None;
        let schedule_of = |s: &syn::LitStr| -> syn::Result<String> {
            let v = s.value();
            if crate::deploy::warmup::is_valid_schedule(&v) {
                Ok(v)
            } else {
                Err(syn::Error::new_spanned(
                    s,
                    format!("`{v}` is not a schedule serverless-plugin-warmup accepts: write `rate(5 minutes)`, `rate(1 hour)` or `cron(0/5 8-17 ? * MON-FRI *)` (six fields)"),
                ))
            }
        };
        meta.parse_nested_meta(|m| {
            if m.path.is_ident("concurrency") {
                let n: syn::LitInt = m.value()?.parse()?;
                w.concurrency = Some(n.base10_parse()?);
            } else if m.path.is_ident("schedule") {
                let s: syn::LitStr = m.value()?.parse()?;
                w.schedule = Some(schedule_of(&s)?);
            } else if m.path.is_ident("peak") {
                peak = Some(m.value()?.parse()?);
            } else if m.path.is_ident("peak_concurrency") {
                peak_concurrency = Some(m.value()?.parse()?);
            } else {
                return Err(m.error("unknown `warm` setting; expected `concurrency = N`, `schedule = \"..\"`, `peak = \"..\"` or `peak_concurrency = N`"));
            }
            Ok(())
        })?;
        match (peak, peak_concurrency) {
            (Some(s), Some(n)) => w.peak = Some((schedule_of(&s)?, n.base10_parse()?)),
            (None, None) => {}
            (Some(s), None) => {
                return Err(syn::Error::new_spanned(s, "`peak` needs `peak_concurrency = N`: how many instances to keep warm at peak hours"));
            }
            (None, Some(n)) => {
                return Err(syn::Error::new_spanned(
                    n,
                    "`peak_concurrency` needs `peak = \"cron(..)\"`: when the peak hours are",
                ));
            }
        }
        Ok(w)
    }

    fn to_tokens(&self) -> TokenStream {
        let concurrency = self.concurrency.unwrap_or(1);
        let mut out = quote!(::workflow_codegen::deploy::warmup::WarmerSettings::new(#concurrency));
        if let Some(s) = &self.schedule {
            out.extend(quote!(.schedule(#s)));
        }
        if let Some((s, n)) = &self.peak {
            out.extend(quote!(.peak(#s, #n)));
        }
        out
    }
}

/// What the frontend reads from the task fn.
struct TaskFn<'a> {
    item: &'a ItemFn,
    /// `S` of the leading `&S` argument, with `init`.
    state: Option<&'a Type>,
    input: Option<&'a Type>,
    output: TokenStream,
    /// `Some(E)` for `Result<O, E>`.
    error: Option<&'a Type>,
}

/// Expands `#[task(attr)] item`.
pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let item: ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(_) => {
            return syn::Error::new_spanned(
                item,
                "`#[task]` goes on a function: `#[task] async fn charge(order: Order) -> Result<Receipt, PaymentError>`",
            )
            .to_compile_error()
        }
    };
    let cx = Ctxt::new();
    let attrs = parse_attrs(&cx, attr);
    let task = parse_fn(&cx, &item, attrs.init.is_some());
    if let (Some(t), Some((_, span))) = (attrs.timeout, attrs.heartbeat) {
        if attrs.heartbeat.is_some_and(|(h, _)| h >= t) {
            cx.error_at(span, format!("`heartbeat` must be shorter than `timeout` ({t} s): the task would time out before a heartbeat is missed"));
        }
    }
    match cx.check() {
        Ok(()) => generate(&attrs, &task),
        Err(e) => {
            let mut out = e.to_compile_error();
            out.extend(item.to_token_stream());
            out.extend(fallback(&item));
            out
        }
    }
}

fn parse_attrs(cx: &Ctxt, attr: TokenStream) -> TaskAttrs {
    let mut a = TaskAttrs::default();
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("resource") {
            let s: syn::LitStr = meta.value()?.parse()?;
            if s.value().is_empty() {
                return Err(syn::Error::new_spanned(s, "`resource` must not be empty"));
            }
            a.resource = Some(s.value());
        } else if meta.path.is_ident("timeout") {
            let n: syn::LitInt = meta.value()?.parse()?;
            let v: u64 = n.base10_parse()?;
            if v == 0 {
                return Err(syn::Error::new_spanned(
                    n,
                    "`timeout` is in seconds and must be positive",
                ));
            }
            a.timeout = Some(v);
        } else if meta.path.is_ident("heartbeat") {
            let n: syn::LitInt = meta.value()?.parse()?;
            let v: u64 = n.base10_parse()?;
            if v == 0 {
                return Err(syn::Error::new_spanned(
                    n,
                    "`heartbeat` is in seconds and must be positive",
                ));
            }
            a.heartbeat = Some((v, n.span()));
        } else if meta.path.is_ident("retry") {
            a.retry.push(RetrySpec::parse(&meta)?);
        } else if meta.path.is_ident("warm") {
            a.warm = Some(WarmSpec::parse(&meta)?);
        } else if meta.path.is_ident("init") {
            let value = meta.value()?;
            a.init = Some(value.parse().map_err(|e| {
                syn::Error::new(
                    e.span(),
                    "`init` names a function: `init = make_keys` (it runs once per instance)",
                )
            })?);
        } else {
            return Err(meta.error(
                "unknown `#[task]` setting; expected `resource = \"..\"`, `timeout = N`, `heartbeat = N`, `retry(..)`, `warm(..)` or `init = f`",
            ));
        }
        Ok(())
    });
    if let Err(e) = syn::parse::Parser::parse2(parser, attr) {
        cx.syn_error(e);
    }
    a
}

fn parse_fn<'a>(cx: &Ctxt, item: &'a ItemFn, has_init: bool) -> TaskFn<'a> {
    let sig = &item.sig;
    if !sig.generics.params.is_empty() {
        cx.error_spanned_by(
            &sig.generics,
            "a task cannot be generic: its state needs one concrete input and output type",
        );
    }
    let mut input = None;
    let mut state = None;
    if has_init {
        let typed = |arg: &'a FnArg| match arg {
            FnArg::Typed(t) => Some(&*t.ty),
            FnArg::Receiver(r) => {
                cx.error_spanned_by(r, "a task cannot take `self`");
                None
            }
        };
        if sig.inputs.len() != 2 {
            cx.error_spanned_by(
                &sig.inputs,
                "a task with `init` takes two arguments: the state `init` built, by reference, then its input: `fn verify(keys: &Keys, request: Request)`",
            );
        } else if let (Some(s), Some(i)) = (typed(&sig.inputs[0]), typed(&sig.inputs[1])) {
            match s {
                Type::Reference(r) if r.mutability.is_none() && r.lifetime.is_none() => {
                    state = Some(&*r.elem);
                }
                other => cx.error_spanned_by(
                    other,
                    "the first argument of a task with `init` is its state, borrowed: `&Keys` (instances serve calls one at a time, but the state is shared, so not `&mut`)",
                ),
            }
            input = Some(i);
        }
        return finish_fn(item, state, input);
    }
    match sig.inputs.len() {
        1 => match &sig.inputs[0] {
            FnArg::Typed(t) => input = Some(&*t.ty),
            FnArg::Receiver(r) => cx.error_spanned_by(
                r,
                "a task cannot take `self`; take the task's input as the only argument",
            ),
        },
        0 => cx.error_spanned_by(
            &sig.ident,
            "a task takes exactly one argument, its input (use `()` for none)",
        ),
        _ => cx.error_spanned_by(
            &sig.inputs,
            "a task takes exactly one argument, its input; put several values in one struct",
        ),
    }
    finish_fn(item, state, input)
}

fn finish_fn<'a>(item: &'a ItemFn, state: Option<&'a Type>, input: Option<&'a Type>) -> TaskFn<'a> {
    let sig = &item.sig;
    let (output, error) = match &sig.output {
        ReturnType::Default => (quote!(()), None),
        ReturnType::Type(_, ty) => match result_parts(ty) {
            Some((o, e)) => (o.to_token_stream(), Some(e)),
            None => (ty.to_token_stream(), None),
        },
    };
    TaskFn {
        item,
        state,
        input,
        output,
        error,
    }
}

/// `Result<O, E>` -> `(O, E)`.
pub fn result_parts(ty: &Type) -> Option<(&Type, &Type)> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let mut tys = args.args.iter().filter_map(|a| match a {
        GenericArgument::Type(t) => Some(t),
        _ => None,
    });
    match (tys.next(), tys.next(), tys.next()) {
        (Some(o), Some(e), None) => Some((o, e)),
        _ => None,
    }
}

fn generate(attrs: &TaskAttrs, t: &TaskFn) -> TokenStream {
    let item = t.item;
    let vis = &item.vis;
    let ident = &item.sig.ident;
    let name = ident.to_string();
    let companion = format_ident!("__task_{}", ident, span = ident.span());
    let input = t.input.expect("checked");
    let output = &t.output;
    let resource = attrs.resource.clone().unwrap_or_else(|| name.clone());
    let error_ty = match t.error {
        Some(e) => e.to_token_stream(),
        None => quote!(::workflow_codegen::__private::NoErrors),
    };
    let encode = if t.error.is_some() {
        quote!(__wf::encode_result(#name, out))
    } else {
        quote!(__wf::encode_output(#name, out))
    };
    let mut settings = TokenStream::new();
    if let Some(n) = attrs.timeout {
        settings.extend(quote!(.timeout_seconds(#n)));
    }
    if let Some((n, _)) = attrs.heartbeat {
        settings.extend(quote!(.heartbeat_seconds(#n)));
    }
    for r in &attrs.retry {
        let r = r.to_ir();
        settings.extend(quote!(.retry(#r)));
    }
    if let Some(doc) = doc_comment(&item.attrs) {
        settings.extend(quote!(.comment(#doc)));
    }
    if let Some(w) = &attrs.warm {
        let w = w.to_tokens();
        settings.extend(quote!(.warmer(#w)));
    }
    let checks: Vec<TokenStream> = attrs
        .retry
        .iter()
        .map(|r| variant_check(quote!(__e), &r.errors))
        .collect();
    let input_ty = quote_spanned!(input.span()=> #input);
    let (state_ty, init, args) = match (&attrs.init, t.state) {
        (Some(f), Some(s)) => (
            quote_spanned!(s.span()=> #s),
            quote_spanned!(f.span()=> __wf::init_with::<Self::State, _, _>(#f)),
            quote!(state, input),
        ),
        _ => (quote!(()), quote!(__wf::stateless()), quote!(input)),
    };
    let alias = type_alias(item);
    let decode = quote!(let input = __wf::decode_input::<<#companion as __wf::Task>::Input>(#name, &input)?;);
    // A sync fn without state runs to its end when called: its in-process handler is
    // synchronous (the interpreter then runs its Task states without a future), and its
    // `TaskFn::call` wraps the same function.
    let now = item.sig.asyncness.is_none() && attrs.init.is_none();
    let body = if item.sig.asyncness.is_some() {
        quote!(::std::boxed::Box::pin(async move { #decode let out = #ident(#args).await; #encode }))
    } else if now {
        quote!(__wf::sync_call(move || #companion::__now(input)))
    } else {
        quote!(__wf::sync_call(move || { #decode let out = #ident(#args); #encode }))
    };
    let (now_fn, set_handler) = if now {
        (
            quote! {
                #[automatically_derived]
                impl #companion {
                    #[doc(hidden)]
                    fn __now(
                        input: ::workflow_codegen::__private::Val,
                    ) -> ::std::result::Result<::workflow_codegen::__private::Val, ::workflow_codegen::__private::workflow_core::StatesError> {
                        use ::workflow_codegen::__private as __wf;
                        #decode
                        let out = #ident(input);
                        #encode
                    }
                }
            },
            quote!(.sync_handler(#companion::__now)),
        )
    } else {
        (TokenStream::new(), quote!(.handler(__handler)))
    };
    let handler = if attrs.init.is_some() {
        quote! {
            ::std::boxed::Box::pin(async move {
                static __STATE: ::std::sync::OnceLock<<#companion as __wf::TaskFn>::State> =
                    ::std::sync::OnceLock::new();
                let state = __wf::shared_state(&__STATE, <#companion as __wf::TaskFn>::init).await?;
                <#companion as __wf::TaskFn>::call(state, input).await
            })
        }
    } else {
        quote!(<#companion as __wf::TaskFn>::call(&(), input))
    };
    let handler_fn = if now {
        TokenStream::new()
    } else {
        quote! {
            fn __handler(input: __wf::Val) -> __wf::TaskFuture {
                #handler
            }
        }
    };
    quote! {
        #item

        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis struct #companion;

        #now_fn

        #alias

        #[automatically_derived]
        impl ::workflow_codegen::Task for #companion {
            type Input = #input_ty;
            type Output = #output;
            type Error = #error_ty;
            const NAME: &'static str = #name;
            fn callee() -> ::workflow_codegen::Callee {
                use ::workflow_codegen::__private as __wf;
                #handler_fn
                // Retry errors must be variants of the task's error type.
                const _: fn(#error_ty) = |__e| { #(#checks)* };
                __wf::Callee::Task(::std::boxed::Box::new(
                    __wf::TaskDef::new(#name, #resource)
                        .input::<<Self as __wf::Task>::Input>()
                        .output::<<Self as __wf::Task>::Output>()
                        #settings
                        #set_handler,
                ))
            }
        }

        #[automatically_derived]
        impl ::workflow_codegen::TaskFn for #companion {
            type State = #state_ty;
            fn init() -> ::workflow_codegen::BoxFuture<'static, ::std::result::Result<Self::State, ::workflow_codegen::__private::workflow_core::StatesError>> {
                use ::workflow_codegen::__private as __wf;
                #init
            }
            #[allow(unused_variables)]
            fn call(
                state: &Self::State,
                input: ::workflow_codegen::__private::Val,
            ) -> ::workflow_codegen::BoxFuture<'_, ::std::result::Result<::workflow_codegen::__private::Val, ::workflow_codegen::__private::workflow_core::StatesError>> {
                use ::workflow_codegen::__private as __wf;
                #body
            }
        }
    }
}

/// `type NAME = __task_NAME;`: the task named by its fn's own name where a type is expected
/// (`run_task::<refresh_token>()`, `TaskOf::<verify_orders>`). A fn lives in the value
/// namespace and the alias in the type namespace, so both are `NAME`, and `use m::NAME`
/// imports both.
fn type_alias(item: &ItemFn) -> TokenStream {
    let vis = &item.vis;
    let ident = &item.sig.ident;
    let companion = format_ident!("__task_{}", ident, span = ident.span());
    quote! {
        /// The task as a type (its companion): `workflow_lambda::lambda::run_task::<NAME>()`.
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis type #ident = #companion;
    }
}

/// After an error: a companion whose types are unknown (and its alias), so uses of the task
/// elsewhere do not add errors of their own.
fn fallback(item: &ItemFn) -> TokenStream {
    let vis = &item.vis;
    let ident = &item.sig.ident;
    let companion = format_ident!("__task_{}", ident);
    let alias = type_alias(item);
    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis struct #companion;

        #alias
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    #[test]
    fn companion_carries_types_and_settings() {
        let item: ItemFn = parse_quote! {
            /// Charges.
            async fn charge(order: Order) -> Result<Receipt, PayError> { todo!() }
        };
        let out = expand(
            quote!(
                resource = "arn:aws:lambda:us-east-1:1:function:charge",
                timeout = 30
            ),
            item.to_token_stream(),
        )
        .to_string();
        assert!(out.contains("struct __task_charge"), "{out}");
        assert!(out.contains("type Input = Order"), "{out}");
        assert!(out.contains("type Output = Receipt"), "{out}");
        assert!(out.contains("type Error = PayError"), "{out}");
        assert!(out.contains(". timeout_seconds (30u64)"), "{out}");
        assert!(out.contains("encode_result"), "{out}");
        assert!(out.contains("charge (input) . await"), "{out}");
        assert!(out.contains(r#". comment ("Charges.")"#), "{out}");
    }

    #[test]
    fn the_fn_name_is_also_the_task_as_a_type() {
        let item: ItemFn = parse_quote! {
            pub async fn refresh_token(expired: Expired) -> Refreshed { todo!() }
        };
        let out = expand(quote!(), item.to_token_stream()).to_string();
        assert!(
            out.contains("pub type refresh_token = __task_refresh_token ;"),
            "{out}"
        );
        // Also after an error, so `run_task::<refresh_token>()` elsewhere adds none of its own.
        let bad: ItemFn = parse_quote! {
            fn refresh_token(a: A, b: B) -> R { todo!() }
        };
        let out = expand(quote!(), bad.to_token_stream()).to_string();
        assert!(out.contains("compile_error"), "{out}");
        assert!(
            out.contains("type refresh_token = __task_refresh_token ;"),
            "{out}"
        );
    }

    #[test]
    fn bad_settings_are_all_reported() {
        let item: ItemFn = parse_quote! { fn t(a: u8, b: u8) -> u8 { a } };
        let out = expand(quote!(timeout = 5, heartbeat = 9), item.to_token_stream()).to_string();
        assert!(out.contains("exactly one argument"), "{out}");
        assert!(
            out.contains("`heartbeat` must be shorter than `timeout`"),
            "{out}"
        );
    }

    #[test]
    fn warm_settings_become_the_tasks_warmer() {
        let item: ItemFn = parse_quote! { async fn verify(r: Request) -> Verdict { todo!() } };
        let out = expand(
            quote!(warm(
                concurrency = 2,
                peak = "cron(0/5 8-17 ? * MON-FRI *)",
                peak_concurrency = 20
            )),
            item.to_token_stream(),
        )
        .to_string();
        assert!(out.contains(". warmer (:: workflow_codegen :: deploy :: warmup :: WarmerSettings :: new (2u32) . peak (\"cron(0/5 8-17 ? * MON-FRI *)\" , 20u32))"), "{out}");
    }

    #[test]
    fn bad_warm_settings_say_what_to_write() {
        let item: ItemFn = parse_quote! { async fn verify(r: Request) -> Verdict { todo!() } };
        let out = expand(
            quote!(warm(schedule = "every 5 minutes")),
            item.to_token_stream(),
        )
        .to_string();
        assert!(
            out.contains("is not a schedule serverless-plugin-warmup accepts"),
            "{out}"
        );
        let out = expand(quote!(warm(peak = "rate(1 hour)")), item.to_token_stream()).to_string();
        assert!(out.contains("`peak` needs `peak_concurrency = N`"), "{out}");
        let out = expand(quote!(warm(concurency = 2)), item.to_token_stream()).to_string();
        assert!(out.contains("unknown `warm` setting"), "{out}");
    }

    #[test]
    fn init_makes_the_borrowed_argument_the_state() {
        let item: ItemFn = parse_quote! {
            async fn verify(keys: &Keys, r: Request) -> Result<Verdict, TokenError> { todo!() }
        };
        let out = expand(quote!(init = keys::make), item.to_token_stream()).to_string();
        assert!(
            out.contains("impl :: workflow_codegen :: TaskFn for __task_verify"),
            "{out}"
        );
        assert!(out.contains("type State = Keys ;"), "{out}");
        assert!(out.contains("type Input = Request"), "{out}");
        assert!(
            out.contains("__wf :: init_with :: < Self :: State , _ , _ > (keys :: make)"),
            "{out}"
        );
        assert!(out.contains("verify (state , input) . await"), "{out}");
        // The plain in-process handler shares one lazily built state.
        assert!(out.contains("static __STATE"), "{out}");
        assert!(out.contains("__wf :: shared_state"), "{out}");
    }

    #[test]
    fn without_init_the_state_is_unit() {
        let item: ItemFn = parse_quote! { fn length(t: Token) -> u64 { 1 } };
        let out = expand(TokenStream::new(), item.to_token_stream()).to_string();
        assert!(out.contains("type State = () ;"), "{out}");
        assert!(out.contains("length (input)"), "{out}");
        assert!(!out.contains("static __STATE"), "{out}");
        // A sync fn without state: its handler runs to its end when called (the interpreter
        // runs its Task states without a future), and `TaskFn::call` wraps the same fn.
        assert!(
            out.contains(". sync_handler (__task_length :: __now)"),
            "{out}"
        );
        assert!(
            out.contains("sync_call (move || __task_length :: __now (input))"),
            "{out}"
        );
        let item: ItemFn = parse_quote! { async fn length(t: Token) -> u64 { 1 } };
        let out = expand(TokenStream::new(), item.to_token_stream()).to_string();
        assert!(out.contains("type State = () ;"), "{out}");
        assert!(
            out.contains("< __task_length as __wf :: TaskFn > :: call (& () , input)"),
            "{out}"
        );
        assert!(out.contains(". handler (__handler)"), "{out}");
    }

    #[test]
    fn init_needs_a_borrowed_state_then_the_input() {
        let with =
            |item: ItemFn| expand(quote!(init = make_keys), item.to_token_stream()).to_string();
        let out = with(parse_quote! { fn t(input: u8) -> u8 { input } });
        assert!(
            out.contains("a task with `init` takes two arguments"),
            "{out}"
        );
        let out = with(parse_quote! { fn t(keys: Keys, input: u8) -> u8 { input } });
        assert!(out.contains("is its state, borrowed"), "{out}");
        let out = with(parse_quote! { fn t(keys: &mut Keys, input: u8) -> u8 { input } });
        assert!(out.contains("is its state, borrowed"), "{out}");
        // After an error only the companion struct is generated, no `TaskFn` impl.
        assert!(!out.contains("TaskFn for"), "{out}");
        let item: ItemFn = parse_quote! { fn t(keys: &Keys, input: u8) -> u8 { input } };
        let out = expand(quote!(init = 3), item.to_token_stream()).to_string();
        assert!(out.contains("`init` names a function"), "{out}");
    }

    #[test]
    fn result_parts_splits_result_only() {
        let r: Type = parse_quote!(Result<A, B>);
        assert!(result_parts(&r).is_some());
        let o: Type = parse_quote!(Option<A>);
        assert!(result_parts(&o).is_none());
    }
}
