//! Call graphs (asyncio 3.14's `capture_call_graph` / `print_call_graph`)
//! and `dump_tasks`.

use hive::{AwaitKind, Promise, TaskState};

/// main awaits mid; mid runs a task group with leaf-a and gathers leaf-b.
/// A probe task captures the graphs once every link is in place.
#[test]
fn call_graph_of_a_three_level_task_tree_prints_as_expected() {
    let (mid_graph, leaf_graph, dump, ids) = hive::run(async {
        let gate = Promise::new();
        let mid_id = Promise::new();
        // Spawned first, so ids go up: main < probe < mid < leaf-a < leaf-b.
        let probe = hive::task::Builder::new().name("probe").spawn({
            let (gate, mid_id) = (gate.clone(), mid_id.clone());
            async move {
                let mid: hive::TaskId = mid_id.await.unwrap();
                loop {
                    let g = hive::capture_call_graph(Some(mid)).unwrap();
                    if g.root().name == "main" && g.task().awaits.len() == 2 {
                        break;
                    }
                    hive::yield_now().await;
                }
                let mid_graph = hive::format_call_graph(Some(mid));
                let leaf = hive::capture_call_graph(Some(mid)).unwrap().task().awaits[0].id;
                let leaf_graph = hive::capture_call_graph(Some(leaf)).unwrap();
                let dump = hive::dump_tasks();
                gate.set_result(()).unwrap();
                (mid_graph, leaf_graph, dump)
            }
        });
        let mid = hive::task::Builder::new().name("mid").spawn(async move {
            hive::task_group(|tg| async move {
                let g = gate.clone();
                tg.spawn_named("leaf-a", async move {
                    g.await.unwrap();
                    Ok::<_, ()>(())
                });
                let g = gate.clone();
                let leaf_b = hive::task::Builder::new()
                    .name("leaf-b")
                    .spawn(async move { g.await.unwrap() });
                hive::gather!(leaf_b).await.unwrap();
                Ok(())
            })
            .await
            .unwrap()
        });
        mid_id.set_result(mid.id()).unwrap();
        let main_id = hive::current_task().unwrap().id();
        let mid_id = mid.id();
        mid.await.unwrap();
        let (a, b, c) = probe.await.unwrap();
        (a, b, c, (main_id, mid_id))
    })
    .unwrap();
    let (main_id, mid_id) = ids;
    let leaf_a = leaf_graph.task().id;
    let leaf_b = dump.iter().find(|t| t.name == "leaf-b").unwrap().id;

    assert_eq!(
        mid_graph,
        format!(
            "main (id {main_id}, loop 0)\n\
             └── [await] mid (id {mid_id})  <- this task\n    \
                 ├── [task group] leaf-a (id {leaf_a})\n    \
                 └── [gather] leaf-b (id {leaf_b})\n"
        )
    );
    assert_eq!(
        leaf_graph.to_string(),
        format!(
            "main (id {main_id}, loop 0)\n\
             └── [await] mid (id {mid_id})\n    \
                 └── [task group] leaf-a (id {leaf_a})  <- this task\n"
        )
    );
    let chain: Vec<_> = leaf_graph
        .awaited_by()
        .iter()
        .map(|n| n.name.clone())
        .collect();
    assert_eq!(chain, ["mid", "main"]);
    assert_eq!(leaf_graph.task().via, Some(AwaitKind::TaskGroup));

    // dump_tasks: every live task with its loop, state and age.
    let names: Vec<String> = dump.iter().map(|t| t.name.clone()).collect();
    // (Other tasks the runtime itself runs, if any, may be listed too.)
    let ours: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| ["main", "probe", "mid", "leaf-a", "leaf-b"].contains(n))
        .collect();
    assert_eq!(
        ours,
        ["main", "probe", "mid", "leaf-a", "leaf-b"],
        "{names:?}"
    );
    let dump: Vec<_> = dump
        .into_iter()
        .filter(|t| ours.contains(&t.name.as_str()))
        .collect();
    let main = &dump[0];
    assert_eq!(main.loop_id.map(|l| l.index()), Some(0));
    assert_eq!(main.state, TaskState::Waiting);
    assert_eq!(dump[1].state, TaskState::Running);
    assert!(dump[2].loop_id.is_none());
    assert!(main.age >= dump[4].age);
    assert_eq!(dump[2].awaited_by.map(|(id, _)| id), Some(main.id));
    let line = dump[2].to_string();
    assert!(
        line.starts_with("mid (id 3) stealable, waiting, age "),
        "{line}"
    );
    assert!(line.ends_with("awaited by 1 via await"), "{line}");
}

#[test]
fn a_shielded_task_shows_a_shield_edge_and_links_clear_when_the_awaiter_leaves() {
    hive::run(async {
        let gate = Promise::new();
        let inner = hive::task::Builder::new().name("inner").spawn({
            let gate = gate.clone();
            async move { gate.await.unwrap() }
        });
        let inner_id = inner.id();
        let outer = hive::task::Builder::new()
            .name("outer")
            .spawn(hive::shield(inner));
        loop {
            let g = hive::capture_call_graph(Some(inner_id)).unwrap();
            if g.root().name == "outer" {
                assert_eq!(g.task().via, Some(AwaitKind::Shield));
                break;
            }
            hive::yield_now().await;
        }
        outer.cancel();
        let _ = outer.await;
        // The shield was dropped: nobody awaits the inner task any more.
        let g = hive::capture_call_graph(Some(inner_id)).unwrap();
        assert_eq!(g.root().name, "inner");
        assert!(g.awaited_by().is_empty());
        gate.set_result(()).unwrap();
    })
    .unwrap();
}

#[test]
fn no_graph_for_unknown_tasks_or_outside_a_runtime() {
    assert!(hive::capture_call_graph(None).is_none());
    assert!(hive::dump_tasks().is_empty());
    assert_eq!(hive::format_call_graph(None), "");
}
