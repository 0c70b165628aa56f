//! `all_tasks` / `dump_tasks` list the user's tasks only, as asyncio's
//! `all_tasks` does: the tasks hive runs for its own signal machinery (a
//! signal's reader, an `add_signal_handler` callback) are left out. The
//! Ctrl-C watcher of `hive::run` on the main thread is checked in `ctrl_c.rs`.

use hive::signal::SignalKind;

fn listed() -> (Vec<String>, Vec<String>) {
    let all = hive::all_tasks().iter().map(|t| t.name()).collect();
    let dumped = hive::dump_tasks().into_iter().map(|t| t.name).collect();
    (all, dumped)
}

#[test]
fn signal_tasks_are_not_listed() {
    let rt = hive::Runtime::builder().loops(1).build().unwrap();
    rt.run(async {
        let before = listed();
        assert_eq!(before.0, ["main"]);
        // A subscription spawns the signal's reader; a handler spawns its
        // callback task: neither is the user's task.
        let _sig = hive::signal::signal(SignalKind::user_defined1()).unwrap();
        hive::get_running_loop()
            .unwrap()
            .add_signal_handler(SignalKind::user_defined2(), || {})
            .unwrap();
        let mine = hive::task::Builder::new()
            .name("mine")
            .spawn(std::future::pending::<()>());
        let (all, dumped) = listed();
        assert_eq!(all, ["main", "mine"]);
        assert_eq!(dumped, ["main", "mine"]);
        mine.cancel();
        assert!(hive::get_running_loop()
            .unwrap()
            .remove_signal_handler(SignalKind::user_defined2()));
    })
    .unwrap();
}
