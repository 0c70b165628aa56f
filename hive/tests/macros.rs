//! #[hive::test] and #[hive::main]-style attributes.

#[hive::test]
async fn a_test_runs_on_a_single_loop_by_default() {
    assert_eq!(hive::loop_ids().len(), 1);
    let local = std::rc::Rc::new(1); // the body may be !Send
    hive::yield_now().await;
    assert_eq!(*local, 1);
}

#[hive::test(loops = 3)]
async fn a_test_can_ask_for_more_loops() {
    assert_eq!(hive::loop_ids().len(), 3);
    assert_eq!(hive::current_loop_id().unwrap().index(), 0);
}

#[hive::test(debug = true)]
async fn a_test_can_return_a_result() -> Result<(), hive::Elapsed> {
    hive::timeout(std::time::Duration::from_secs(5), async {}).await
}

#[hive::test(loops = 2, idle_watcher = false)]
async fn a_test_can_turn_the_idle_watcher_off() {
    // Both loops sleep in their own reactors; work still reaches either.
    let ids = hive::loop_ids();
    for id in ids {
        let ran_on = hive::spawn_on_loop(id, async { hive::current_loop_id() })
            .unwrap()
            .await
            .unwrap();
        assert_eq!(ran_on, Some(id));
    }
}
