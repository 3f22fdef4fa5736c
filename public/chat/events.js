// @ts-check
// EventTarget with typed events: each class names its events and their `detail` in an event map,
// and listeners get `event.detail` typed by the event's name. Underneath it is EventTarget and
// CustomEvent as they are, so it behaves alike in browsers and in Node.

// The listener and options types of EventTarget, as both the DOM's and Node's types name them.
/** @typedef {Parameters<EventTarget['addEventListener']>[1]} Listener */
/** @typedef {Parameters<EventTarget['addEventListener']>[2]} ListenerOptions */
/**
 * addEventListener (or removeEventListener) over an event map: typed for the map's events, and
 * EventTarget's own signature for any other name.
 * @template EventMap
 * @typedef {{
 *   <K extends keyof EventMap & string>(type: K, listener: (event: EventMap[K]) => void, options?: ListenerOptions): void;
 *   (type: string, listener: Listener, options?: ListenerOptions): void;
 * }} TypedListen
 */
/**
 * @template EventMap
 * @typedef {Omit<EventTarget, 'addEventListener' | 'removeEventListener'>
 *   & { addEventListener: TypedListen<EventMap>, removeEventListener: TypedListen<EventMap> }} TypedEventTarget
 */

// EventTarget itself under the typed view: nothing of it is overridden, only its type is narrowed.
const TypedEventTarget = /** @type {new <EventMap>() => TypedEventTarget<EventMap>} */ (
  /** @type {unknown} */ (EventTarget)
);

/**
 * An EventTarget that dispatches CustomEvents typed by `EventMap`.
 * @template {Record<string, CustomEvent<unknown>>} EventMap
 * @extends {TypedEventTarget<EventMap>}
 */
export class Emitter extends TypedEventTarget {
  /**
   * Dispatches a CustomEvent whose `detail` is `detail`.
   * @protected
   * @template {keyof EventMap & string} K
   * @param {K} type
   * @param {EventMap[K]['detail']} detail
   */
  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
