/** The licensing desk's two halves, at the top of each of its pages. */
export function LicensingTabs({ current }: { current: 'inquiries' | 'licenses' }) {
  return (
    <nav aria-label="Licensing desk" class="section-tabs">
      <p class="button-row">
        <a class={`btn btn-small ${current === 'inquiries' ? 'btn-primary' : 'btn-secondary'}`} href="/newsroom/licensing" aria-current={current === 'inquiries' ? 'page' : undefined}>
          Inquiries
        </a>
        <a class={`btn btn-small ${current === 'licenses' ? 'btn-primary' : 'btn-secondary'}`} href="/newsroom/licensing/licenses" aria-current={current === 'licenses' ? 'page' : undefined}>
          Licenses
        </a>
      </p>
    </nav>
  );
}
