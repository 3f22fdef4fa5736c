export type Listener = Parameters<EventTarget['addEventListener']>[1];
export type ListenerOptions = Parameters<EventTarget['addEventListener']>[2];
export type TypedListen<EventMap> = {
    <K extends keyof EventMap & string>(type: K, listener: (event: EventMap[K]) => void, options?: ListenerOptions): void;
    (type: string, listener: Listener, options?: ListenerOptions): void;
};
export type TypedEventTarget<EventMap> = Omit<EventTarget, 'addEventListener' | 'removeEventListener'> & {
    addEventListener: TypedListen<EventMap>;
    removeEventListener: TypedListen<EventMap>;
};
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
declare const TypedEventTarget: new <EventMap>() => TypedEventTarget<EventMap>;
/**
 * An EventTarget that dispatches CustomEvents typed by `EventMap`.
 * @template {Record<string, CustomEvent<unknown>>} EventMap
 * @extends {TypedEventTarget<EventMap>}
 */
export declare class Emitter<EventMap extends Record<string, CustomEvent<unknown>>> extends TypedEventTarget<EventMap> {
    /**
     * Dispatches a CustomEvent whose `detail` is `detail`.
     * @protected
     * @template {keyof EventMap & string} K
     * @param {K} type
     * @param {EventMap[K]['detail']} detail
     */
    protected emit<K extends keyof EventMap & string>(type: K, detail: EventMap[K]['detail']): void;
}
export {};
