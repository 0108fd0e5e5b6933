import CofferSDK

/// A value during execution: JSON data, or Go's "no value" (a missing map entry or a nil).
typealias TemplateValue = JSONValue?
