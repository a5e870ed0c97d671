/**
 * metav1.MicroTime: RFC 3339 with exactly six fraction digits. Events and Leases reject a plain JavaScript
 * date string (three digits) with a 400 (kubernetes-client/javascript#828).
 */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}
