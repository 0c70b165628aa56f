//! `#[hive::main]` and `#[hive::test]`: run an `async fn` on a hive runtime.

use proc_macro::TokenStream;
use quote::quote;
use syn::parse::Parser;
use syn::{parse_macro_input, ItemFn};

/// Runs `async fn main` with `hive::run_local` (asyncio's `asyncio.run(main())`).
///
/// The body runs as a task pinned to loop 0, so it may hold `!Send` values.
/// Options: `#[hive::main(loops = 4)]`, `#[hive::main(debug = true)]`,
/// `#[hive::main(idle_watcher = false)]` (see `Builder::idle_watcher`: for
/// thread-per-core servers).
///
/// ```
/// #[hive::main(loops = 2)]
/// async fn main() {
///     assert_eq!(hive::loop_ids().len(), 2);
/// }
/// ```
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(args, item, false)
}

/// Runs an `async fn` test on a fresh hive runtime (default: 1 loop, so the
/// test is deterministic; `#[hive::test(loops = 4)]` for more).
/// `#[hive::test(start_paused = true)]` starts the runtime's clock paused
/// (`Builder::start_paused`): timers end when `hive::time::advance` moves
/// the clock, or at once when every loop is idle.
///
/// ```
/// #[hive::test(start_paused = true)]
/// async fn a_day_passes_at_once() {
///     let lp = hive::get_running_loop().unwrap();
///     let start = lp.time();
///     hive::sleep(std::time::Duration::from_secs(86_400)).await;
///     assert!(lp.time() - start >= std::time::Duration::from_secs(86_400));
/// }
/// ```
///
/// ```
/// #[hive::test(loops = 2)]
/// async fn adds() {
///     assert_eq!(hive::spawn(async { 1 + 1 }).await.unwrap(), 2);
/// }
/// ```
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(args, item, true)
}

struct Options {
    loops: Option<syn::Expr>,
    debug: Option<syn::Expr>,
    idle_watcher: Option<syn::Expr>,
    start_paused: Option<syn::Expr>,
}

fn parse_options(args: TokenStream) -> syn::Result<Options> {
    let mut options = Options {
        loops: None,
        debug: None,
        idle_watcher: None,
        start_paused: None,
    };
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("loops") {
            options.loops = Some(meta.value()?.parse()?);
            Ok(())
        } else if meta.path.is_ident("debug") {
            options.debug = Some(meta.value()?.parse()?);
            Ok(())
        } else if meta.path.is_ident("idle_watcher") {
            options.idle_watcher = Some(meta.value()?.parse()?);
            Ok(())
        } else if meta.path.is_ident("start_paused") {
            options.start_paused = Some(meta.value()?.parse()?);
            Ok(())
        } else {
            Err(meta.error(
                "unknown hive option; expected `loops = N`, `debug = true`, \
                 `idle_watcher = false` or `start_paused = true`",
            ))
        }
    });
    parser.parse(args)?;
    Ok(options)
}

fn expand(args: TokenStream, item: TokenStream, is_test: bool) -> TokenStream {
    let options = match parse_options(args) {
        Ok(options) => options,
        Err(err) => return err.to_compile_error().into(),
    };
    let input = parse_macro_input!(item as ItemFn);
    if input.sig.asyncness.is_none() {
        let msg = "hive's attribute goes on an `async fn`";
        return syn::Error::new_spanned(input.sig.fn_token, msg)
            .to_compile_error()
            .into();
    }
    let attrs = &input.attrs;
    let vis = &input.vis;
    let name = &input.sig.ident;
    let output = &input.sig.output;
    let body = &input.block;
    let loops = match (&options.loops, is_test) {
        (Some(loops), _) => quote!(.loops(#loops)),
        (None, true) => quote!(.loops(1)),
        (None, false) => quote!(),
    };
    let debug = options.debug.as_ref().map(|d| quote!(.debug(#d)));
    let idle_watcher = options
        .idle_watcher
        .as_ref()
        .map(|w| quote!(.idle_watcher(#w)));
    let start_paused = options
        .start_paused
        .as_ref()
        .map(|p| quote!(.start_paused(#p)));
    let test_attr = is_test.then(|| quote!(#[::core::prelude::v1::test]));
    quote! {
        #test_attr
        #(#attrs)*
        #vis fn #name() #output {
            let runtime = ::hive::Runtime::builder() #loops #debug #idle_watcher #start_paused
                .build()
                .expect("hive: could not start the runtime");
            match runtime.run_local(move || async move #body) {
                ::core::result::Result::Ok(value) => value,
                ::core::result::Result::Err(::hive::RunError::Interrupted) => {
                    // Finish the shutdown (cancel, join) before ending like
                    // an uncaught KeyboardInterrupt would.
                    ::core::mem::drop(runtime);
                    ::hive::signal::exit_as_if(::hive::signal::SignalKind::interrupt())
                }
                ::core::result::Result::Err(err) => panic!("hive: {}", err),
            }
        }
    }
    .into()
}
