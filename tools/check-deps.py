#!/usr/bin/env python3
"""The module import graph of src/: fails on an import cycle between modules, on a job that
imports another job, and on a lower layer importing a higher one. Layers, top down:
main -> cli -> jobs (describe, run, install, plan, completion, reconfigure) -> snapshot -> model ->
mig, cluster -> k8s, output, text, error, signals.

Usage: python3 tools/check-deps.py [src]"""
import re, os, sys, glob
root = sys.argv[1] if len(sys.argv) > 1 else 'src'
mods = {}
for f in glob.glob(root + '/**/*.rs', recursive=True):
    rel = os.path.relpath(f, root)[:-3]
    parts = rel.split('/')
    if parts[-1] in ('mod', 'main'):
        parts = parts[:-1]
    if parts and parts[-1].endswith('_tests'):
        continue
    mods['::'.join(parts)] = f
names = set(mods)
def resolve(path):
    # longest module prefix of a crate:: path
    segs = path.split('::')
    for n in range(len(segs), 0, -1):
        cand = '::'.join(segs[:n])
        if cand in names:
            return cand
    return None
graph = {m: set() for m in mods}
for m, f in mods.items():
    text = open(f).read()
    text = re.sub(r'#\[cfg\(test\)\]\s*mod tests \{.*', '', text, flags=re.S)
    for p in re.findall(r'crate::((?:\w+::)*\w+)', text):
        t = resolve(p)
        if t and t != m:
            graph[m].add(t)
    for grp in re.findall(r'use crate::(\w+(?:::\w+)*)::\{([^}]*)\}', text):
        base, items = grp
        for it in items.split(','):
            it = it.strip().split(' as ')[0].split('::')[0]
            if it and it != 'self':
                t = resolve(base + '::' + it) or resolve(base)
                if t and t != m:
                    graph[m].add(t)
    # super:: references
    for p in re.findall(r'super::((?:\w+::)*\w+)', text):
        parent = m.rsplit('::', 1)[0] if '::' in m else ''
        if os.path.basename(f) == 'mod.rs':
            parent = m.rsplit('::', 1)[0] if '::' in m else ''
        t = resolve((parent + '::' if parent else '') + p)
        if t and t != m:
            graph[m].add(t)
# Tarjan
index = {}; low = {}; stack = []; on = set(); sccs = []; i = [0]
sys.setrecursionlimit(10000)
def strong(v):
    index[v] = low[v] = i[0]; i[0] += 1; stack.append(v); on.add(v)
    for w in graph[v]:
        if w not in index:
            strong(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop(); on.discard(w); comp.append(w)
            if w == v: break
        if len(comp) > 1: sccs.append(sorted(comp))
for v in graph:
    if v not in index: strong(v)
print(f"{len(mods)} modules, {sum(len(s) for s in graph.values())} edges")
for c in sccs: print("CYCLE:", " <-> ".join(c))
layers = {'': 0, 'cli': 6, 'describe': 5, 'run': 5, 'install': 5, 'plan': 5, 'completion': 5, 'reconfigure': 5,
          'model': 3, 'snapshot': 4, 'mig': 2, 'cluster': 2, 'k8s': 1, 'output': 1, 'error': 1,
          'signals': 1, 'text': 0}
bad = len(sccs)
jobs = {'describe', 'run', 'install', 'plan', 'completion', 'reconfigure'}
for m, deps in sorted(graph.items()):
    top = m.split('::')[0]
    for d in sorted(deps):
        dt = d.split('::')[0]
        if top == dt or top == '': continue
        if top in jobs and dt in jobs:
            print("JOB->JOB:", m, "->", d); bad += 1
        elif layers.get(dt, 0) > layers.get(top, 0) or (layers.get(dt, 0) == layers.get(top, 0) and top in ('mig', 'cluster')):
            print("UPWARD:", m, "->", d); bad += 1
print("no cycles, no job imports another, no upward import" if bad == 0 else f"{bad} problems")
sys.exit(1 if bad else 0)
