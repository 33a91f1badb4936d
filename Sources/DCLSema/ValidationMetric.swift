// The metric names a validation during `train` can report and monitor (`early_stop`'s
// `metric:`): the checker offers them as choices, the trainer decides "better" by them.

/// The metrics `evaluate` (and so validation) can report, and which way each improves.
public enum ValidationMetric {
    /// Every metric name a validation may report.
    public static let names = ["loss", "accuracy", "top5", "auc", "logloss", "hit_rate", "ndcg", "mse"]
    /// Metrics where lower is better; the rest improve upwards.
    public static let lowerIsBetter: Set<String> = ["loss", "logloss", "mse"]
    /// The loss among a validation's metrics, used when no metric is named.
    public static func loss(among available: [String]) -> String? {
        ["loss", "logloss", "mse"].first(where: available.contains)
    }
}

