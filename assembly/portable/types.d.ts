// The AssemblyScript types the portable kernels may use, as tsc sees them. Only these:
// an AssemblyScript built-in that is not declared here (reinterpret, unchecked, u64, ...)
// fails the JavaScript build, which keeps assembly/ inside the portable subset.
declare type f64 = number;
declare type i32 = number;
declare type bool = boolean;
