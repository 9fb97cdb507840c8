"""jcheck - compare a JSON response with an official example's shape.

Every field of the example must be present in the response with the same
JSON type (numbers: int and float are both "number"; null in the example
matches anything). Extra fields in the response are fine (the service adds
them too). For arrays, each response element is checked against the first
example element. Used by conformance.py.
"""


def kind(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def shape_errors(example, actual, path="$", optional=(), maps=()):
    """Return a list of 'path: problem' strings (empty when conforming).

    optional: paths (with [] for array elements) that may be absent.
    maps: paths of objects whose keys are data (tags, identities): only
    the value shapes are compared, against the first example value."""
    errs = []
    if example is None:
        return errs
    ek, ak = kind(example), kind(actual)
    if ek != ak:
        return ["%s: expected %s, got %s" % (path, ek, ak)]
    if ek == "object":
        if path in maps:
            vals = list(example.values())
            if vals:
                for k, v in actual.items():
                    errs += shape_errors(vals[0], v, path + "{}", optional, maps)
            return errs
        for k, v in example.items():
            p = path + "." + k
            if k not in actual:
                if p not in optional:
                    errs.append("%s: missing" % p)
                continue
            errs += shape_errors(v, actual[k], p, optional, maps)
    elif ek == "array":
        if example and actual:
            for a in actual:
                errs += shape_errors(example[0], a, path + "[]", optional, maps)
    return errs
