/**
 * The three.js layer of the 3D view, behind a small interface (the TensorBoard projector's idea):
 * points, colours, thumbnails, highlights and lines go in; hover and click come out as callbacks.
 * Nothing here touches React: the camera, hover and per-frame state live in this object, and a
 * frame is drawn only when something changed. `dispose()` frees every GPU resource, listener,
 * observer and pending frame, and drops the WebGL context.
 *
 * The camera frames every point and its sprite (the points' bounding sphere in the stage's
 * narrower field of view) on a new layout, on `resetCamera()`, and when the stage is resized,
 * unless the user has orbited, zoomed or panned since the last fit.
 *
 * The canvas takes focus and has keys of its own (`KEYS_3D`, `KEYS_2D`): arrows orbit (pan in a
 * flat layout, or with Shift), + and - zoom, N and P step through the points nearest first from
 * where stepping began (the selected point, else the one nearest the middle of the view), and the
 * point stepped to is hovered as by the pointer; Enter clicks it, Escape leaves it. Its accessible
 * description is the view's summary (`describe`) and these keys.
 */
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';

export interface SceneCallbacks {
  /** The point under the pointer changed (null: none); x, y are CSS px in the canvas. */
  onHover?: (index: number | null, x: number, y: number) => void;
  /** A click (not a drag) on a point, or on empty space (null); Enter on a stepped-to point. */
  onClick?: (index: number | null) => void;
  /** The keys stepped to a point, the `rank`th of `count` nearest first, or left it (null). */
  onStep?: (index: number | null, rank: number, count: number) => void;
}

export interface ThumbnailAtlas {
  /** The atlas picture (a canvas or OffscreenCanvas); call `thumbnailsChanged` after drawing. */
  image: HTMLCanvasElement | OffscreenCanvas;
  /** [n, 4]: u0, v0, u1, v1 of each point's cell; u0 < 0 for points without a thumbnail. */
  rects: Float32Array;
}

/** Point states, as the shader reads them. */
const NORMAL = 0;
const MARKED = 1;
const FOCUS = 2;

const BACKGROUND = 0x101217;
const PICK_RADIUS_PX = 10;
/** Line segments drawn at most (neighbour lines). */
const MAX_LINES = 256;
/** How much larger the shader draws a marked point, and a focused (selected or hovered) one. */
const MARK_SCALE = 1.3;
const FOCUS_SCALE = 1.7;
/** Space kept between the outermost sprite and the stage's edge by a fit, in CSS px. */
const FIT_GAP_PX = 8;
/** The smallest radius a fit frames: one point (or many at one place) at a unit cloud's scale. */
const MIN_FIT_RADIUS = 1;
/** Where the camera looks from, towards the points' centre, after a reset (3D and flat). */
const HOME_3D = new THREE.Vector3(1.75, 1.2, 2.05).normalize();
const HOME_2D = new THREE.Vector3(0, 0, 1);
/** What one key press turns, pans (CSS px) and zooms (distance factor). */
const ORBIT_STEP = Math.PI / 18;
const PAN_STEP_PX = 40;
const ZOOM_STEP = 1.25;
/** The canvas's keys, as described to assistive technology (3D, and a flat layout). */
const POINT_KEYS =
  'N and P step through the points nearest first, Enter picks the point as a click does, ' +
  'Escape leaves it.';
export const KEYS_3D = `Arrow keys orbit, Shift+arrows pan, + and - zoom. ${POINT_KEYS}`;
export const KEYS_2D = `Arrow keys pan, + and - zoom. ${POINT_KEYS}`;

const VERTEX = /* glsl */ `
attribute vec3 aColour;
attribute vec4 aRect;
attribute float aState;
uniform float uSize;
uniform float uThumbSize;
uniform float uThumbs;
uniform float uRefDistance; // the camera distance at which sprites have their nominal size
varying vec3 vColour;
varying vec4 vRect;
varying float vState;
varying float vThumb;
void main() {
  vec4 mv = modelViewMatrix * vec4(position, 1.0);
  gl_Position = projectionMatrix * mv;
  // The selected or hovered point in front of every other (a thumbnail nearer the camera would
  // hide it), the marked neighbours in front of the rest: their depth set near the near plane.
  if (aState > 1.5) gl_Position.z = -0.9999 * gl_Position.w;
  else if (aState > 0.5) gl_Position.z = -0.999 * gl_Position.w;
  float thumb = (uThumbs > 0.5 && aRect.x >= 0.0) ? 1.0 : 0.0;
  float size = thumb > 0.5 ? uThumbSize : uSize;
  if (aState > 1.5) size *= ${FOCUS_SCALE.toFixed(2)};
  else if (aState > 0.5) size *= ${MARK_SCALE.toFixed(2)};
  size *= clamp(uRefDistance / max(-mv.z, 0.001), 0.35, 4.0);
  gl_PointSize = clamp(size, 2.0, 512.0);
  vColour = aColour;
  vRect = aRect;
  vState = aState;
  vThumb = thumb;
}
`;

const FRAGMENT = /* glsl */ `
uniform sampler2D uAtlas;
uniform float uDim;
varying vec3 vColour;
varying vec4 vRect;
varying float vState;
varying float vThumb;
void main() {
  vec2 p = gl_PointCoord;
  vec3 colour;
  if (vThumb > 0.5) {
    float edge = min(min(p.x, 1.0 - p.x), min(p.y, 1.0 - p.y));
    float border = vState > 0.5 ? 0.1 : 0.06;
    if (edge < border) {
      colour = vState > 1.5 ? vec3(1.0) : vColour;
    } else {
      // gl_PointCoord grows downwards; the atlas was uploaded flipped, so v1 is the cell's top.
      vec2 uv = vec2(mix(vRect.x, vRect.z, p.x), mix(vRect.w, vRect.y, p.y));
      vec4 t = texture2D(uAtlas, uv);
      if (t.a < 0.1) discard;
      colour = t.rgb;
    }
  } else {
    float d = length(p - 0.5);
    if (d > 0.5) discard;
    colour = vColour;
    if (vState > 1.5 && d > 0.36) colour = vec3(1.0);
    else if (d > 0.42) colour *= 0.55;
  }
  if (uDim > 0.5 && vState < 0.5) colour = mix(vec3(0.063, 0.071, 0.09), colour, 0.22);
  gl_FragColor = vec4(colour, 1.0);
}
`;

/**
 * What fitting the camera needs of the stage: the tangents of the half fields of view, and the
 * half-width of the largest sprite (with its gap) in world units per unit of camera distance.
 */
interface FitFrame {
  tanX: number;
  tanY: number;
  margin: number;
}

/**
 * The share of a half field of view (a sine or a tangent) the points may take once their sprites
 * have room. A stage narrower than a couple of sprites cannot hold them: the points still fit.
 */
function room(share: number, margin: number): number {
  return Math.max(share - margin, share / 2);
}

/**
 * The camera's distance from a sphere's centre that shows all of it from any direction (the user
 * may orbit): the radius grown by the sprites fits the cone of the narrower half field of view.
 * Sprites keep their nominal size at the fitted distance and scale with 1/depth around it, so in
 * world units each is `margin * distance` wide on either side, at any depth.
 */
function sphereDistance(radius: number, f: FitFrame): number {
  const sin = Math.sin(Math.atan(Math.min(f.tanX, f.tanY)));
  return Math.max(radius, MIN_FIT_RADIUS) / room(sin, f.margin);
}

/** The distance that shows a flat layout (half-extents x, y) facing the camera, sprites included. */
function planeDistance(halfX: number, halfY: number, f: FitFrame): number {
  if (Math.max(halfX, halfY) === 0) return planeDistance(MIN_FIT_RADIUS, MIN_FIT_RADIUS, f);
  return Math.max(halfX / room(f.tanX, f.margin), halfY / room(f.tanY, f.margin));
}

/** Live scenes and the GPU resources they hold, for the debug hook and leak checks. */
const live = new Set<EmbeddingScene>();

export function liveSceneStats() {
  let geometries = 0;
  let textures = 0;
  let programs = 0;
  for (const s of live) {
    const m = s.memory();
    geometries += m.geometries;
    textures += m.textures;
    programs += m.programs;
  }
  return { scenes: live.size, geometries, textures, programs };
}

export class EmbeddingScene {
  readonly canvas: HTMLCanvasElement;
  private readonly renderer: THREE.WebGLRenderer;
  private readonly scene = new THREE.Scene();
  private readonly camera = new THREE.PerspectiveCamera(50, 1, 0.01, 100);
  private readonly controls: OrbitControls;
  private geometry = new THREE.BufferGeometry();
  private readonly material: THREE.ShaderMaterial;
  private readonly points: THREE.Points;
  private readonly linePositions = new Float32Array(MAX_LINES * 6);
  private readonly lineGeometry = new THREE.BufferGeometry();
  private readonly lineMaterial = new THREE.LineBasicMaterial({
    color: 0xffffff,
    transparent: true,
    opacity: 0.75,
  });
  private readonly lines: THREE.LineSegments;
  private readonly observer: ResizeObserver;
  private texture: THREE.Texture | null = null;
  private positions = new Float32Array(0);
  private state = new Float32Array(0);
  private count = 0;
  private flat = false;
  private hovered: number | null = null;
  private selected: number | null = null;
  private marked: Set<number> | null = null;
  private frame = 0;
  private pickFrame = 0;
  private pointer: { x: number; y: number } | null = null;
  /** The points in stepping order (nearest first from where it began) and the place in it. */
  private steps: { order: number[]; at: number } | null = null;
  /** The point the keys stepped to and hover shows (null: none, or the pointer took over). */
  private keyPoint: number | null = null;
  /** What the view shows, in words (the canvas's description, before its keys). */
  private summary = '';
  /** Where the button went down, and whether the camera was then where the last fit put it. */
  private down: { x: number; y: number; fitted: boolean } | null = null;
  /** The camera is where the last fit put it: the user has not orbited, zoomed or panned since. */
  private fitted = false;
  /** A fit is moving the camera (its change event is not the user's). */
  private fitting = false;
  private disposed = false;
  private readonly listeners: [string, EventListener][] = [];

  constructor(
    private readonly container: HTMLElement,
    private readonly callbacks: SceneCallbacks = {},
  ) {
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'e3d-canvas';
    // Interactive, with keys of its own: a screen reader's browse mode would take N, P and the
    // arrows for its own navigation on an image.
    this.canvas.setAttribute('role', 'application');
    this.canvas.setAttribute('aria-roledescription', 'point cloud');
    this.canvas.setAttribute('aria-label', 'Embedding 3D view');
    this.canvas.tabIndex = 0;
    this.describe('');
    container.appendChild(this.canvas);
    this.renderer = new THREE.WebGLRenderer({ canvas: this.canvas, antialias: true });
    this.renderer.setPixelRatio(Math.min(window.devicePixelRatio || 1, 2));
    this.renderer.setClearColor(BACKGROUND, 1);

    this.material = new THREE.ShaderMaterial({
      vertexShader: VERTEX,
      fragmentShader: FRAGMENT,
      uniforms: {
        uSize: { value: 9 },
        uThumbSize: { value: 44 },
        uThumbs: { value: 0 },
        uRefDistance: { value: 2.9 },
        uDim: { value: 0 },
        uAtlas: { value: null },
      },
    });
    this.points = new THREE.Points(this.geometry, this.material);
    this.points.frustumCulled = false;
    this.scene.add(this.points);
    this.lineGeometry.setAttribute('position', new THREE.BufferAttribute(this.linePositions, 3));
    this.lineGeometry.setDrawRange(0, 0);
    this.lines = new THREE.LineSegments(this.lineGeometry, this.lineMaterial);
    this.lines.frustumCulled = false;
    this.scene.add(this.lines);

    this.controls = new OrbitControls(this.camera, this.canvas);
    this.controls.enableDamping = false;
    this.controls.screenSpacePanning = true;
    this.controls.addEventListener('change', this.requestRender);
    this.controls.addEventListener('change', this.onViewChange);
    this.resetCamera();

    this.listen('pointermove', (e) => this.onPointerMove(e as PointerEvent));
    this.listen('pointerleave', (e) => {
      this.pointer = null;
      // A finger leaves as it lifts: what it tapped stays shown until the next tap.
      if ((e as PointerEvent).pointerType !== 'touch') this.pointerHover(null, 0, 0);
    });
    this.listen('pointerdown', (e) => {
      const p = this.local(e as PointerEvent);
      this.down = { ...p, fitted: this.fitted };
    });
    this.listen('pointerup', (e) => this.onPointerUp(e as PointerEvent));
    this.listen('keydown', (e) => this.onKeyDown(e as KeyboardEvent));
    this.listen('blur', () => this.leaveKeyPoint());
    this.observer = new ResizeObserver(() => this.resize());
    this.observer.observe(container);
    live.add(this);
    this.resize();
  }

  /**
   * Positions ([n, 3], already scaled to about a unit box). Resets colours, states and lines, and
   * fits the camera to the new points (keeping its direction unless 2D/3D changed): a view zoomed
   * on the old layout says nothing about the new one.
   */
  setPoints(coords: Float32Array, opts: { flat?: boolean } = {}): void {
    // The old points' stepping order and stepped-to point say nothing of the new ones.
    this.leaveKeyPoint();
    this.steps = null;
    const n = Math.floor(coords.length / 3);
    const flatChanged = !!opts.flat !== this.flat;
    this.flat = !!opts.flat;
    this.count = n;
    this.positions = coords.slice(0, n * 3);
    this.state = new Float32Array(n);
    this.hovered = null;
    this.selected = null;
    this.marked = null;
    // A new geometry (the old one disposed): replaced attributes would keep their GPU buffers.
    this.geometry.dispose();
    const g = new THREE.BufferGeometry();
    this.geometry = g;
    this.points.geometry = g;
    g.setAttribute('position', new THREE.BufferAttribute(this.positions, 3));
    g.setAttribute('aState', new THREE.BufferAttribute(this.state, 1));
    const grey = new Float32Array(n * 3).fill(0.7);
    g.setAttribute('aColour', new THREE.BufferAttribute(grey, 3));
    g.setAttribute('aRect', new THREE.BufferAttribute(new Float32Array(n * 4).fill(-1), 4));
    g.setDrawRange(0, n);
    this.material.uniforms.uDim.value = 0;
    this.setLines([]);
    this.controls.enableRotate = !this.flat;
    if (flatChanged) this.describe(this.summary); // the arrow keys pan a flat layout
    if (flatChanged) this.resetCamera();
    else this.fit(this.viewDirection());
    this.requestRender();
  }

  /** Point colours, [n, 3] in [0, 1]. */
  setColours(colours: Float32Array): void {
    const attr = this.geometry.getAttribute('aColour') as THREE.BufferAttribute | undefined;
    if (!attr || colours.length < this.count * 3) return;
    (attr.array as Float32Array).set(colours.subarray(0, this.count * 3));
    attr.needsUpdate = true;
    this.requestRender();
  }

  /** One atlas texture for every point's thumbnail, or null for plain dots. */
  setThumbnails(atlas: ThumbnailAtlas | null): void {
    this.texture?.dispose();
    this.texture = null;
    const rect = this.geometry.getAttribute('aRect') as THREE.BufferAttribute | undefined;
    if (atlas && rect) {
      const t = new THREE.Texture(atlas.image as unknown as HTMLCanvasElement);
      t.colorSpace = THREE.NoColorSpace;
      t.minFilter = THREE.LinearFilter;
      t.magFilter = THREE.LinearFilter;
      t.generateMipmaps = false;
      t.needsUpdate = true;
      this.texture = t;
      (rect.array as Float32Array).set(atlas.rects.subarray(0, this.count * 4));
      rect.needsUpdate = true;
    }
    this.material.uniforms.uAtlas.value = this.texture;
    this.material.uniforms.uThumbs.value = this.texture ? 1 : 0;
    this.refitUntouched(); // thumbnails are larger than dots
    this.requestRender();
  }

  /** The atlas picture was drawn on (and maybe some rects dropped): upload it again. */
  thumbnailsChanged(rects?: Float32Array): void {
    if (!this.texture) return;
    this.texture.needsUpdate = true;
    const attr = this.geometry.getAttribute('aRect') as THREE.BufferAttribute | undefined;
    if (rects && attr) {
      (attr.array as Float32Array).set(rects.subarray(0, this.count * 4));
      attr.needsUpdate = true;
    }
    this.requestRender();
  }

  /** The largest texture side this GPU takes. */
  maxTextureSize(): number {
    return this.renderer.capabilities.maxTextureSize;
  }

  setPointSize(dot: number, thumb: number): void {
    this.material.uniforms.uSize.value = dot;
    this.material.uniforms.uThumbSize.value = thumb;
    this.refitUntouched();
    this.requestRender();
  }

  /** Marks a set of points (others dimmed), or none (null). */
  highlight(indices: Iterable<number> | null): void {
    this.marked = indices ? new Set(indices) : null;
    this.material.uniforms.uDim.value = this.marked && this.marked.size > 0 ? 1 : 0;
    this.refreshStates();
  }

  /** The selected point (drawn large with a white ring). */
  setSelected(index: number | null): void {
    this.selected = index;
    this.refreshStates();
  }

  /** Line segments between points: [a, b] index pairs. */
  setLines(pairs: [number, number][]): void {
    const pos = this.linePositions;
    const n = Math.min(pairs.length, MAX_LINES);
    for (let i = 0; i < n; i++) {
      const [a, b] = pairs[i];
      pos.set(this.positions.subarray(a * 3, a * 3 + 3), i * 6);
      pos.set(this.positions.subarray(b * 3, b * 3 + 3), i * 6 + 3);
    }
    const attr = this.lineGeometry.getAttribute('position') as THREE.BufferAttribute;
    attr.needsUpdate = true;
    this.lineGeometry.setDrawRange(0, n * 2);
    this.requestRender();
  }

  /** Back to the default direction with every point in view, whatever the user did since. */
  resetCamera(): void {
    this.camera.up.set(0, 1, 0);
    this.fit(this.flat ? HOME_2D : HOME_3D);
  }

  /** What the view shows, in a line: the canvas's accessible description, with its keys. */
  describe(summary: string): void {
    this.summary = summary;
    const keys = this.flat ? KEYS_2D : KEYS_3D;
    this.canvas.setAttribute('aria-description', summary ? `${summary} ${keys}` : keys);
  }

  resize(): void {
    if (this.disposed) return;
    const w = Math.max(1, this.container.clientWidth);
    const h = Math.max(1, this.container.clientHeight);
    this.renderer.setSize(w, h, false);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
    // A narrower stage sees less across (the vertical field of view is fixed): fit again.
    this.refitUntouched();
    this.requestRender();
  }

  /** CSS-pixel positions of the points in the canvas (for tests and keyboard access). */
  screenPositions(): { index: number; x: number; y: number }[] {
    const out: { index: number; x: number; y: number }[] = [];
    const xy = this.project();
    for (let i = 0; i < this.count; i++) out.push({ index: i, x: xy[i * 2], y: xy[i * 2 + 1] });
    return out;
  }

  memory(): { geometries: number; textures: number; programs: number } {
    const m = this.renderer.info.memory;
    return {
      geometries: m.geometries,
      textures: m.textures,
      programs: this.renderer.info.programs?.length ?? 0,
    };
  }

  /** Draws now (normally frames are drawn on demand). */
  renderNow(): void {
    if (this.disposed) return;
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.renderer.render(this.scene, this.camera);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    live.delete(this);
    cancelAnimationFrame(this.frame);
    cancelAnimationFrame(this.pickFrame);
    this.observer.disconnect();
    for (const [type, fn] of this.listeners) this.canvas.removeEventListener(type, fn);
    this.controls.removeEventListener('change', this.requestRender);
    this.controls.removeEventListener('change', this.onViewChange);
    this.controls.dispose();
    this.geometry.dispose();
    this.lineGeometry.dispose();
    this.material.dispose();
    this.lineMaterial.dispose();
    this.texture?.dispose();
    this.texture = null;
    this.renderer.renderLists.dispose();
    this.renderer.dispose();
    this.renderer.forceContextLoss();
    this.canvas.remove();
  }

  private readonly requestRender = () => {
    if (this.disposed || this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      if (!this.disposed) this.renderer.render(this.scene, this.camera);
    });
  };

  private readonly onViewChange = () => {
    if (!this.fitting) this.fitted = false;
  };

  /**
   * Puts the camera on `direction` from the points' centre, as close as shows every point and its
   * sprite (selected-size) in the stage, and makes that the distance of nominal sprite size.
   */
  private fit(direction: THREE.Vector3): void {
    const frame = this.fitFrame();
    const centre = new THREE.Vector3();
    let distance: number;
    if (this.flat) {
      // A flat layout cannot be orbited: fit its rectangle, not the circle around it.
      this.geometry.computeBoundingBox();
      const box = this.geometry.boundingBox!;
      const size = box.getSize(new THREE.Vector3());
      box.getCenter(centre);
      distance = planeDistance(size.x / 2, size.y / 2, frame);
    } else {
      this.geometry.computeBoundingSphere();
      const sphere = this.geometry.boundingSphere!;
      centre.copy(sphere.center);
      distance = sphereDistance(sphere.radius, frame);
    }
    this.material.uniforms.uRefDistance.value = distance;
    this.controls.target.copy(centre);
    this.camera.position.copy(centre).addScaledVector(direction, distance);
    this.fitting = true;
    this.controls.update();
    this.fitting = false;
    this.fitted = true;
    this.requestRender();
  }

  /** Fits again along the current direction, unless the user has moved the camera since a fit. */
  private refitUntouched(): void {
    if (this.fitted) this.fit(this.viewDirection());
  }

  /** The unit vector from the target to the camera (a flat layout is always seen face on). */
  private viewDirection(): THREE.Vector3 {
    if (this.flat) return HOME_2D;
    const d = this.camera.position.clone().sub(this.controls.target);
    return d.lengthSq() > 0 ? d.normalize() : HOME_3D;
  }

  private fitFrame(): FitFrame {
    const tanY = Math.tan(THREE.MathUtils.degToRad(this.camera.fov) / 2);
    const height = Math.max(1, this.canvas.clientHeight);
    // gl_PointSize counts device pixels, the stage's height CSS pixels.
    const px = (this.spriteSize() * FOCUS_SCALE) / this.renderer.getPixelRatio() + 2 * FIT_GAP_PX;
    // A world length L at distance d spans L / (2 d tanY) of the height.
    return { tanX: tanY * this.camera.aspect, tanY, margin: (px * tanY) / height };
  }

  /** The nominal size (device px) of the largest point drawn, before its state and depth. */
  private spriteSize(): number {
    const u = this.material.uniforms;
    return u.uThumbs.value > 0 ? Math.max(u.uSize.value, u.uThumbSize.value) : u.uSize.value;
  }

  private listen(type: string, fn: EventListener): void {
    this.canvas.addEventListener(type, fn);
    this.listeners.push([type, fn]);
  }

  private local(e: PointerEvent): { x: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  private onPointerMove(e: PointerEvent): void {
    this.pointer = this.local(e);
    if (e.buttons !== 0) return; // orbiting or panning: no hover work
    if (this.pickFrame) return;
    this.pickFrame = requestAnimationFrame(() => {
      this.pickFrame = 0;
      const p = this.pointer;
      if (!p || this.disposed) return;
      this.pointerHover(this.pick(p.x, p.y), p.x, p.y);
    });
  }

  private onKeyDown(e: KeyboardEvent): void {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const key = e.key;
    if (key.startsWith('Arrow')) {
      // As OrbitControls' own keys: up and left turn (or pan) by positive steps.
      const dx = key === 'ArrowLeft' ? 1 : key === 'ArrowRight' ? -1 : 0;
      const dy = key === 'ArrowUp' ? 1 : key === 'ArrowDown' ? -1 : 0;
      if (dx === 0 && dy === 0) return;
      if (this.flat || e.shiftKey) this.controls.pan(dx * PAN_STEP_PX, dy * PAN_STEP_PX);
      else if (dx !== 0) this.controls.rotateLeft(dx * ORBIT_STEP);
      else this.controls.rotateUp(dy * ORBIT_STEP);
    } else if (key === '+' || key === '=') {
      this.controls.dollyIn(1 / ZOOM_STEP);
    } else if (key === '-' || key === '_') {
      this.controls.dollyOut(1 / ZOOM_STEP);
    } else if (key === 'n' || key === 'N' || key === 'p' || key === 'P') {
      this.step(key.toLowerCase() === 'n' ? 1 : -1);
    } else if (key === 'Enter' || key === ' ') {
      if (this.keyPoint === null) return;
      this.callbacks.onClick?.(this.keyPoint);
    } else if (key === 'Escape') {
      if (this.keyPoint === null && !this.steps) return;
      this.leaveKeyPoint();
      this.steps = null;
    } else {
      return;
    }
    e.preventDefault(); // no page scroll; views that close on Escape leave it alone
    // The camera may have moved: the tooltip follows the stepped-to point.
    if (this.keyPoint !== null) this.showKeyPoint();
  }

  /** Steps to the next (1) or previous (-1) point nearest first; the first step is the start. */
  private step(by: 1 | -1): void {
    if (this.count === 0) return;
    let s = this.steps;
    if (!s) {
      const from = this.stepStart();
      const p = this.positions;
      const d = new Float32Array(this.count);
      for (let i = 0; i < this.count; i++) {
        const [x, y, z] = [
          p[i * 3] - p[from * 3],
          p[i * 3 + 1] - p[from * 3 + 1],
          p[i * 3 + 2] - p[from * 3 + 2],
        ];
        d[i] = x * x + y * y + z * z;
      }
      const order = Array.from({ length: this.count }, (_, i) => i);
      order.sort((a, b) => (a === from ? -1 : b === from ? 1 : d[a] - d[b] || a - b));
      s = this.steps = { order, at: 0 };
    } else {
      s.at = (s.at + by + s.order.length) % s.order.length;
    }
    this.keyPoint = s.order[s.at];
    this.showKeyPoint();
    this.callbacks.onStep?.(this.keyPoint, s.at + 1, s.order.length);
  }

  /** Where stepping begins: the selected point, else the one nearest the middle of the view. */
  private stepStart(): number {
    if (this.selected !== null && this.selected < this.count) return this.selected;
    const xy = this.project();
    const [cx, cy] = [this.canvas.clientWidth / 2, this.canvas.clientHeight / 2];
    let best = 0;
    let bestD = Infinity;
    for (let i = 0; i < this.count; i++) {
      const d = (xy[i * 2] - cx) ** 2 + (xy[i * 2 + 1] - cy) ** 2;
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    }
    return best;
  }

  /** Hovers the stepped-to point where it is on screen (its tooltip kept inside the canvas). */
  private showKeyPoint(): void {
    const i = this.keyPoint;
    if (i === null) return;
    const xy = this.project();
    const fit = (v: number, max: number) =>
      Number.isFinite(v) ? Math.min(max, Math.max(0, v)) : 0;
    this.setHover(
      i,
      fit(xy[i * 2], this.canvas.clientWidth),
      fit(xy[i * 2 + 1], this.canvas.clientHeight),
    );
  }

  /** Drops the stepped-to point (and its hover); stepping goes on from it on the next N or P. */
  private leaveKeyPoint(): void {
    if (this.keyPoint === null) return;
    this.keyPoint = null;
    this.setHover(null, 0, 0);
    this.callbacks.onStep?.(null, 0, 0);
  }

  /** The pointer's hover, which takes over from a stepped-to point. */
  private pointerHover(index: number | null, x: number, y: number): void {
    // The pointer takes over: what the keys stepped to is no longer said.
    if (this.keyPoint !== null) this.callbacks.onStep?.(null, 0, 0);
    this.keyPoint = null;
    this.setHover(index, x, y);
  }

  private onPointerUp(e: PointerEvent): void {
    const p = this.local(e);
    const d = this.down;
    this.down = null;
    if (!d || Math.hypot(p.x - d.x, p.y - d.y) > 4) return;
    // A click's jitter may turn the camera a hair; that is not the user choosing a view.
    if (d.fitted) this.fitted = true;
    const at = this.pick(p.x, p.y);
    // A tap is a finger's hover too (it has no other): the point's label and patch show.
    if (e.pointerType === 'touch') this.pointerHover(at, p.x, p.y);
    this.callbacks.onClick?.(at);
  }

  private setHover(index: number | null, x: number, y: number): void {
    const changed = index !== this.hovered;
    this.hovered = index;
    if (changed) this.refreshStates();
    this.callbacks.onHover?.(index, x, y);
  }

  /** The nearest point within the pick radius (by screen distance, then depth), or null. */
  private pick(x: number, y: number): number | null {
    if (this.count === 0) return null;
    const xy = this.project();
    const radius = Math.max(PICK_RADIUS_PX, this.spriteSize() / 2);
    let best: number | null = null;
    let bestD = radius * radius;
    for (let i = 0; i < this.count; i++) {
      const dx = xy[i * 2] - x;
      const dy = xy[i * 2 + 1] - y;
      const d = dx * dx + dy * dy;
      if (d <= bestD) {
        bestD = d;
        best = i;
      }
    }
    return best;
  }

  /** Every point's CSS-pixel position in the canvas, [n, 2]; NaN behind the camera. */
  private project(): Float32Array {
    this.camera.updateMatrixWorld();
    const m = new THREE.Matrix4().multiplyMatrices(
      this.camera.projectionMatrix,
      this.camera.matrixWorldInverse,
    ).elements;
    const w = this.canvas.clientWidth;
    const h = this.canvas.clientHeight;
    const out = new Float32Array(this.count * 2);
    const p = this.positions;
    for (let i = 0; i < this.count; i++) {
      const x = p[i * 3];
      const y = p[i * 3 + 1];
      const z = p[i * 3 + 2];
      const cw = m[3] * x + m[7] * y + m[11] * z + m[15];
      if (cw <= 0) {
        out[i * 2] = NaN;
        out[i * 2 + 1] = NaN;
        continue;
      }
      const cx = (m[0] * x + m[4] * y + m[8] * z + m[12]) / cw;
      const cy = (m[1] * x + m[5] * y + m[9] * z + m[13]) / cw;
      out[i * 2] = ((cx + 1) / 2) * w;
      out[i * 2 + 1] = ((1 - cy) / 2) * h;
    }
    return out;
  }

  private refreshStates(): void {
    const s = this.state;
    if (s.length === 0) return;
    s.fill(NORMAL);
    if (this.marked) for (const i of this.marked) if (i >= 0 && i < this.count) s[i] = MARKED;
    if (this.selected !== null && this.selected < this.count) s[this.selected] = FOCUS;
    if (this.hovered !== null && this.hovered < this.count) s[this.hovered] = FOCUS;
    const attr = this.geometry.getAttribute('aState') as THREE.BufferAttribute | undefined;
    if (attr) attr.needsUpdate = true;
    this.requestRender();
  }
}
