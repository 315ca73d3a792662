package train

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
)

// MarshalJSON is json.Marshal (indented when indent is set) that writes a NaN or infinite
// number as null instead of failing: a diverged metric must not turn result.json into an
// empty file.
func MarshalJSON(v any, indent bool) ([]byte, error) {
	marshal := json.Marshal
	if indent {
		marshal = func(v any) ([]byte, error) { return json.MarshalIndent(v, "", "  ") }
	}
	out, err := marshal(v)
	if _, bad := err.(*json.UnsupportedValueError); bad {
		return marshal(finite(reflect.ValueOf(v)))
	}
	return out, err
}

// finite copies v into maps, slices and plain values, with nil for non-finite floats. Struct
// fields keep their JSON names and omitempty; the types here have no other tags.
func finite(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return finite(v.Elem())
	case reflect.Float32, reflect.Float64:
		if f := v.Float(); math.IsNaN(f) || math.IsInf(f, 0) {
			return nil
		}
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return nil
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i] = finite(v.Index(i))
		}
		return out
	case reflect.Struct:
		out := map[string]any{}
		for i := 0; i < v.NumField(); i++ {
			addField(out, v.Type().Field(i), v.Field(i))
		}
		return out
	}
	return v.Interface()
}

func addField(out map[string]any, f reflect.StructField, v reflect.Value) {
	if !f.IsExported() {
		return
	}
	name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "-" {
		return
	}
	if f.Anonymous && name == "" && v.Kind() == reflect.Struct {
		for k, x := range finite(v).(map[string]any) {
			out[k] = x
		}
		return
	}
	if name == "" {
		name = f.Name
	}
	if strings.Contains(opts, "omitempty") && v.IsZero() {
		return
	}
	out[name] = finite(v)
}
