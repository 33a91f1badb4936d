// Placement: which side of the device-cloud boundary data lives on, which models are
// cloud-only, and the rules between them. Statically, facts flow through names, members,
// transforms, copies and sums; where they cannot be seen (function parameters), the runtime
// enforces the same rules on every step.
//
// The rules (docs/language.md §9):
// * a `train` (or `distill … on`) runs where its data lives, so every model it reads must be
//   allowed there — a cloud-only model can never be read on a device;
// * device samples never flow into the cloud's data;
// * a device bundle never holds a cloud-only model.

import DCLDiagnostics
import DCLSyntax

extension Checker {
    /// What is known about where the value of `e` lives.
    func placementFacts(of e: Expr, in scope: Scope) -> PlacementFacts {
        switch e.kind {
        case .paren(let inner):
            return placementFacts(of: inner, in: scope)
        case .name(let id):
            return scope.lookup(id.name)?.facts ?? .unknown
        case .member(let base, let name):
            if let role = roleDeclaration(of: base, in: scope), case .role(let rn, let count, _) = role.kind {
                return PlacementFacts(side: count != nil ? .device : .cloud, origin: "\(rn.name).\(name.name)")
            }
            let bt = types[NodeKey(file: base.span.file, node: base.id)] ?? .any
            var f = placementFacts(of: base, in: scope)
            if bt == .split {
                // A split's cloud half is cloud-only; its device half may go anywhere.
                if name.name == "cloud" { return PlacementFacts(cloudOnly: true, origin: exprText(e)) }
                if name.name == "device" { return PlacementFacts(origin: exprText(e)) }
            }
            if bt == .distill && (name.name == "student") { return PlacementFacts(origin: exprText(e)) }
            if f.side != nil || f.cloudOnly { f.origin = exprText(e) }
            return f
        case .index(let base, _):
            // `device[0]` is one device of a fleet role: its data lives on the device.
            if let role = roleDeclaration(of: base, in: scope), case .role(_, let count, _) = role.kind, count != nil {
                return PlacementFacts(side: .device, origin: exprText(e))
            }
            var f = placementFacts(of: base, in: scope)
            if f.side != nil { f.origin = exprText(e) }
            return f
        case .binary(let op, let a, let b):
            switch op {
            case .pipe:
                return placementFacts(of: a, in: scope)
            case .concat, .add:
                return placementFacts(of: a, in: scope).merged(with: placementFacts(of: b, in: scope))
            default:
                return .unknown
            }
        case .list(let items):
            return items.reduce(PlacementFacts.unknown) { $0.merged(with: placementFacts(of: $1, in: scope)) }
        case .ifElse(_, let a, let b):
            return placementFacts(of: a, in: scope).merged(with: placementFacts(of: b, in: scope))
        case .call(let callee, let args):
            if case .member(let base, let method) = callee.kind,
               types[NodeKey(file: base.span.file, node: base.id)] == .retrieval {
                // Retrieved and kept candidates are delivered to the device.
                _ = method
                return PlacementFacts(side: .device, origin: exprText(e))
            }
            guard case .name(let id) = callee.kind, let sym = scope.lookup(id.name), case .builtin(let spec) = sym.kind else {
                return .unknown
            }
            switch spec.builtin {
            case .model(.copy), .model(.average):
                // A copy or an average lives where its model(s) do.
                return args.first.map { placementFacts(of: $0.value, in: scope) } ?? .unknown
            case .transform:
                // A transform called on data keeps the data's side.
                if let first = args.first, first.label == nil {
                    return placementFacts(of: first.value, in: scope)
                }
                return .unknown
            case .layer, .tensorOp, .loss, .script, .dataSource, .partitioner, .optimizer, .schedule,
                 .model(.evaluate), .model(.assign), .model(.summary), .model(.cost), .model(.reinit), .model(.history), .pattern, .output:
                return .unknown
            }
        default:
            return .unknown
        }
    }

    /// Facts of the elements of a sequence: iterating a device role gives devices.
    func iterationFacts(of sequence: Expr, in scope: Scope) -> PlacementFacts {
        if let role = roleDeclaration(of: sequence, in: scope), case .role(let rn, let count, _) = role.kind, count != nil {
            return PlacementFacts(side: .device, origin: rn.name)
        }
        let f = placementFacts(of: sequence, in: scope)
        return PlacementFacts(side: f.side, cloudOnly: f.cloudOnly, origin: f.origin)
    }

    /// A `train` on device data may not read a cloud-only model.
    func checkTrainPlacement(_ t: TrainStmt, in scope: Scope) {
        let data = placementFacts(of: t.data, in: scope)
        guard data.side == .device else { return }
        var readers: [Expr] = t.targets
        if let o = t.objective { collectModelReferences(o, into: &readers) }
        var reported = Set<String>()
        for r in readers {
            let f = placementFacts(of: r, in: scope)
            guard f.cloudOnly else { continue }
            let name = f.origin ?? exprText(r)
            guard reported.insert(name).inserted else { continue }
            error(.cloudOnlyOnDevice, "`\(name)` is cloud-only, but this training runs on the device, where `\(data.origin ?? exprText(t.data))` lives",
                  at: r.span,
                  hint: "train it on cloud data, or distill a control model from it and use that on the device (DC-CCL)")
        }
    }

    func checkDistillPlacement(name: Expr, data: Expr, in scope: Scope) {
        let facts = placementFacts(of: data, in: scope)
        guard facts.side == .device, case .name(let id) = name.kind else { return }
        let key = (scope.lookup(id.name).flatMap { sym -> String? in
            if case .declaration(_, let m) = sym.kind { return "\(m.name).\(id.name)" }
            return nil
        }) ?? "\(module.name).\(id.name)"
        if let teacher = distillTeachers[key], teacher.cloudOnly {
            error(.cloudOnlyOnDevice, "distilling `\(id.name)` reads its cloud-only teacher `\(teacher.origin ?? "teacher")`, but `\(facts.origin ?? exprText(data))` lives on the device",
                  at: data.span, hint: "distil on cloud samples only")
        }
    }

    /// Every subexpression typed as a model (the models an objective reads).
    func collectModelReferences(_ e: Expr, into out: inout [Expr]) {
        if let t = types[NodeKey(file: e.span.file, node: e.id)], t.isModelLike, t != .any {
            out.append(e)
            if case .member = e.kind { return }
            if case .name = e.kind { return }
        }
        switch e.kind {
        case .paren(let x), .unary(_, let x): collectModelReferences(x, into: &out)
        case .binary(_, let a, let b): collectModelReferences(a, into: &out); collectModelReferences(b, into: &out)
        case .call(let c, let args):
            collectModelReferences(c, into: &out)
            for a in args { collectModelReferences(a.value, into: &out) }
        case .member(let b, _): collectModelReferences(b, into: &out)
        case .index(let b, let i): collectModelReferences(b, into: &out); collectModelReferences(i, into: &out)
        case .list(let xs): for x in xs { collectModelReferences(x, into: &out) }
        case .ifElse(let c, let a, let b):
            collectModelReferences(c, into: &out); collectModelReferences(a, into: &out); collectModelReferences(b, into: &out)
        default: break
        }
    }

    /// The source text of an expression (for messages).
    func exprText(_ e: Expr) -> String {
        guard let f = modules.first(where: { $0.file.id == e.span.file })?.file else { return "this value" }
        return f.text(of: e.span)
    }
}
