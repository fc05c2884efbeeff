/** The same object with every method's failures passed through `fault` (sync throws and rejections). */
export function withFaults<T extends object>(target: T, fault: (error: unknown) => unknown): T {
  const wrapped = { ...target } as Record<string, unknown>;
  for (const [name, value] of Object.entries(target)) {
    if (typeof value !== "function") continue;
    const method = value as (...args: unknown[]) => unknown;
    wrapped[name] = (...args: unknown[]) => {
      let result: unknown;
      try {
        result = method.apply(target, args);
      } catch (error) {
        throw fault(error);
      }
      return result instanceof Promise ? result.catch((error: unknown) => Promise.reject(fault(error))) : result;
    };
  }
  return wrapped as T;
}
