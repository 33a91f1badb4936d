// The entry point: a spec and a format in, the file's bytes out.

public enum PlotFormat: String, CaseIterable, Sendable {
    case svg, png

    /// The format a path asks for by its extension (case-insensitive), or nil.
    public init?(path: String) {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        self.init(rawValue: name[name.index(after: dot)...].lowercased())
    }
}

public enum PlotRenderer {
    /// The figure's bytes; throws `PlotError` for a spec that cannot be drawn.
    public static func render(_ spec: PlotSpec, as format: PlotFormat) throws -> [UInt8] {
        try spec.validate()
        let scene = Layout(spec: spec).scene()
        switch format {
        case .svg:
            return SVGWriter.render(scene)
        case .png:
            var canvas = Canvas(width: scene.width, height: scene.height)
            canvas.draw(scene)
            return try PNGEncoder.encode(width: scene.width, height: scene.height, rgb: canvas.pixels)
        }
    }
}
