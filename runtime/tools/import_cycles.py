#!/usr/bin/env python3
"""File-level import graph of runtime/src: edges from `crate::`/`super::` paths
(comment lines ignored), resolved to the file that defines the item (through
`pub use` re-exports in lib.rs and mod.rs files); prints the strongly
connected components with more than one file, largest first.

    python3 runtime/tools/import_cycles.py runtime/src [-v]

-v also prints every file's edges. A method defined in an `impl` block in
another file needs no import, so such a dependency is invisible here."""
import os, re, sys
root = sys.argv[1] if len(sys.argv) > 1 else 'runtime/src'
files = {}
for d, _, fs in os.walk(root):
    for f in fs:
        if f.endswith('.rs'):
            p = os.path.join(d, f)
            rel = os.path.relpath(p, root)
            mod = rel[:-3].split(os.sep)
            if mod[-1] == 'mod': mod = mod[:-1]
            if mod == ['lib']: mod = []
            files[tuple(mod)] = rel
def strip(src):
    return '\n'.join(l for l in src.splitlines() if not l.strip().startswith('//'))
lib = strip(open(os.path.join(root, 'lib.rs')).read())
# crate-root re-exports: name -> module path
reexp = {}
for m in re.finditer(r'pub use ([a-z_:]+)::\{([^}]*)\}', lib):
    for n in m.group(2).split(','):
        n = n.strip().split(' as ')[-1]
        if n: reexp[n] = tuple(m.group(1).split('::'))
for m in re.finditer(r'pub use ([a-z_:]+)::([A-Za-z_]+);', lib):
    reexp[m.group(2)] = tuple(m.group(1).split('::'))
# re-exports of folder modules (mod.rs): (module, name) -> defining path
modre = {}
for mod, rel in files.items():
    if not rel.endswith('mod.rs'): continue
    src = strip(open(os.path.join(root, rel)).read())
    for m in re.finditer(r'pub(?:\(crate\))? use ((?:crate::)?[a-z_:]+)::\{([^}]*)\}', src):
        base = m.group(1).split('::')
        base = base[1:] if base[0] == 'crate' else list(mod) + base
        for n in m.group(2).split(','):
            n = n.strip().split(' as ')[-1]
            if n: modre[(mod, n)] = tuple(base)
    for m in re.finditer(r'pub(?:\(crate\))? use ((?:crate::)?[a-z_:]+)::([A-Za-z_]+);', src):
        base = m.group(1).split('::')
        base = base[1:] if base[0] == 'crate' else list(mod) + base
        modre[(mod, m.group(2))] = tuple(base)
def resolve(path, depth=0):
    # longest prefix that names a file, following re-exports
    path = tuple(path)
    if path and path[0] in reexp and (path[0],) not in files:
        path = reexp[path[0]] + path
    for k in range(len(path), 0, -1):
        if tuple(path[:k]) in files:
            if k < len(path) and (path[:k], path[k]) in modre and depth < 5:
                return resolve(modre[(path[:k], path[k])] + path[k:], depth + 1)
            return files[tuple(path[:k])]
    return None
def expand(prefix, body):
    # expand `a::{b, c::d}` groups (one level of nesting is enough here)
    out = []
    depth, cur, parts = 0, '', []
    for ch in body:
        if ch == '{': depth += 1
        if ch == '}': depth -= 1
        if ch == ',' and depth == 0: parts.append(cur); cur = ''
        else: cur += ch
    parts.append(cur)
    for p in parts:
        p = p.strip()
        if not p: continue
        m = re.match(r'([A-Za-z_:]*?)::\{(.*)\}$', p, re.S)
        if m: out += expand(prefix + m.group(1).split('::'), m.group(2))
        else: out.append(prefix + p.split(' as ')[0].split('::'))
    return out
edges = {f: set() for f in files.values()}
for mod, rel in files.items():
    src = strip(open(os.path.join(root, rel)).read())
    is_dir_mod = rel.endswith('mod.rs') or rel == 'lib.rs'
    paths = []
    here = list(mod)
    if is_dir_mod:
        for m in re.finditer(r'\b(?:pub(?:\([a-z]+\))? )?use ([a-z_]+)::', src):
            if tuple(list(mod) + [m.group(1)]) in files: paths.append(list(mod) + [m.group(1)])
    for m in re.finditer(r'\bcrate::\{([^;]*?)\};', src, re.S):
        paths += expand([], m.group(1))
    src2 = re.sub(r'\bcrate::\{([^;]*?)\};', '', src, flags=re.S)
    for m in re.finditer(r'\bcrate((?:::[A-Za-z_][A-Za-z_0-9]*)+)(::\{[^;]*?\})?', src2, re.S):
        base = m.group(1).split('::')[1:]
        if m.group(2): paths += expand(base, m.group(2)[3:-1])
        else: paths.append(base)
    for m in re.finditer(r'\b((?:super::)+)([A-Za-z_][A-Za-z_0-9:]*)(::\{[^;]*?\})?', src, re.S):
        ups = m.group(1).count('super')
        b = here[:len(here) - ups] if ups <= len(here) else []
        base = b + [x for x in m.group(2).split('::') if x]
        if m.group(3): paths += expand(base, m.group(3)[3:-1])
        else: paths.append(base)
    for p in paths:
        t = resolve([x.strip() for x in p if x.strip() and x.strip() != 'self'])
        if t and t != rel: edges[rel].add(t)
# Tarjan
idx, low, on, st, sccs, n = {}, {}, set(), [], [], [0]
sys.setrecursionlimit(10000)
def sc(v):
    idx[v] = low[v] = n[0]; n[0] += 1; st.append(v); on.add(v)
    for w in edges[v]:
        if w not in idx: sc(w); low[v] = min(low[v], low[w])
        elif w in on: low[v] = min(low[v], idx[w])
    if low[v] == idx[v]:
        c = []
        while True:
            w = st.pop(); on.discard(w); c.append(w)
            if w == v: break
        sccs.append(c)
for v in edges:
    if v not in idx: sc(v)
big = sorted([c for c in sccs if len(c) > 1], key=len, reverse=True)
for c in big:
    print(len(c), sorted(c))
if '-v' in sys.argv:
    for k in sorted(edges): print(k, '->', sorted(edges[k]))
