import type { JsonPath } from '@pipewright/core';
import type { NotJsonIssue } from './marketplace-error';

/** True when the string holds a UTF-16 surrogate without its pair: it has no UTF-8 form. */
function hasLoneSurrogate(text: string): boolean {
  for (let index = 0; index < text.length; index += 1) {
    const unit = text.charCodeAt(index);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(index + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return true;
      index += 1;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      return true;
    }
  }
  return false;
}

/**
 * Objects made by `{}`, `JSON.parse` or `Object.create(null)`. Checked through the
 * prototype chain's length rather than `=== Object.prototype` so objects from another
 * realm (an iframe, `node:vm`) still count.
 */
function isPlainObject(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === null || Object.getPrototypeOf(prototype) === null;
}

function describeObject(value: object): string {
  const name: unknown = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? `A ${name} object` : 'An object with a custom prototype';
}

/**
 * Lists every place in `value` that has no JSON form, so a caller can report all of them at
 * once. Stricter than `JSON.stringify`, which silently drops functions and symbols, turns
 * `NaN` into `null` and a `Map` into `{}`: a content hash over such a lossy copy would name
 * content the caller never had. The one thing it lets through is an object property whose
 * value is `undefined`: that is how JavaScript spells an absent optional field, and it is
 * left out, as `JSON.stringify` does.
 */
export function findJsonIssues(value: unknown): NotJsonIssue[] {
  const issues: NotJsonIssue[] = [];
  // Only the objects on the current path: a value shared by two branches is fine, a value
  // that contains itself is not.
  const ancestors = new Set<object>();

  const visit = (current: unknown, path: JsonPath): void => {
    switch (typeof current) {
      case 'string':
        if (hasLoneSurrogate(current)) {
          issues.push({ path, reason: 'lone_surrogate', message: 'A string with a lone UTF-16 surrogate has no UTF-8 form' });
        }
        return;
      case 'boolean':
        return;
      case 'number':
        if (!Number.isFinite(current)) {
          issues.push({ path, reason: 'non_finite_number', message: `${String(current)} is not a JSON number` });
        }
        return;
      case 'undefined':
        issues.push({ path, reason: 'undefined', message: 'undefined is not JSON' });
        return;
      case 'function':
        issues.push({ path, reason: 'function', message: 'A function is not JSON' });
        return;
      case 'symbol':
        issues.push({ path, reason: 'symbol', message: 'A symbol is not JSON' });
        return;
      case 'bigint':
        issues.push({ path, reason: 'bigint', message: 'A BigInt is not JSON; pass a number or a string' });
        return;
      case 'object':
        break;
    }
    if (current === null) return;
    if (ancestors.has(current)) {
      issues.push({ path, reason: 'circular', message: 'The value contains itself' });
      return;
    }
    if (!Array.isArray(current) && !isPlainObject(current)) {
      issues.push({ path, reason: 'not_plain_object', message: `${describeObject(current)} is not JSON; convert it to plain data first` });
      return;
    }
    if (typeof (current as { toJSON?: unknown }).toJSON === 'function') {
      // JSON.stringify would hash what toJSON returns, not the value that was passed.
      issues.push({ path, reason: 'to_json_method', message: 'A value with a toJSON method is not plain JSON' });
      return;
    }
    ancestors.add(current);
    if (Array.isArray(current)) {
      // Indexes, not forEach: forEach skips holes, and a hole is an undefined element.
      for (let index = 0; index < current.length; index += 1) visit(current[index], [...path, index]);
    } else {
      for (const key of Object.keys(current)) {
        const property: unknown = (current as Record<string, unknown>)[key];
        if (hasLoneSurrogate(key)) {
          issues.push({ path: [...path, key], reason: 'lone_surrogate', message: 'A key with a lone UTF-16 surrogate has no UTF-8 form' });
        }
        if (property !== undefined) visit(property, [...path, key]);
      }
    }
    ancestors.delete(current);
  };

  visit(value, []);
  return issues;
}
