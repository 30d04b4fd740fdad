import { LABEL, type MachineView, matches, renderTile, STATES } from '../dashboard.ts';
import { el } from '../dom.ts';

/** The dashboard: a tile per machine, filter by state, search. Re-rendered on every event. */
export class MachinesView {
  private filter = 'all';
  private readonly search = el('input', {
    id: 'search',
    type: 'search',
    placeholder: 'Search machines, jobs',
    autocomplete: 'off',
  });
  private readonly filters = el('div', { class: 'filters' });
  private readonly tiles = el('ul', { class: 'tiles' });
  private readonly empty = el('p', { class: 'empty', hidden: '' }, 'No machine matches.');
  private machines: MachineView[] = [];
  readonly element: HTMLElement;

  constructor() {
    this.search.addEventListener('input', () => this.render());
    this.element = el(
      'section',
      { 'aria-labelledby': 'machines-title' },
      el(
        'div',
        { class: 'toolbar' },
        el('h2', { id: 'machines-title' }, 'Machines'),
        el(
          'label',
          { class: 'search' },
          el('span', { class: 'visually-hidden' }, 'Search machines'),
          this.search,
        ),
        el(
          'fieldset',
          { class: 'filters-box' },
          el('legend', { class: 'visually-hidden' }, 'Filter by state'),
          this.filters,
        ),
      ),
      this.empty,
      this.tiles,
    );
    this.renderFilters();
  }

  update(machines: MachineView[]): void {
    this.machines = machines;
    this.render();
  }

  private renderFilters(): void {
    this.filters.replaceChildren(
      ...STATES.map((state) => {
        const button = el(
          'button',
          { type: 'button', 'aria-pressed': String(state === this.filter) },
          state === 'all' ? 'All' : (LABEL[state] ?? state),
        );
        button.addEventListener('click', () => {
          this.filter = state;
          this.renderFilters();
          this.render();
        });
        return button;
      }),
    );
  }

  private render(): void {
    const now = Date.now();
    const shown = this.machines.filter((m) => matches(m, this.filter, this.search.value));
    this.tiles.replaceChildren(...shown.map((m) => renderTile(m, now)));
    this.empty.hidden = shown.length > 0;
  }
}
